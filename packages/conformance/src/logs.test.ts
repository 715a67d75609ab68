import { DEFAULT_SIZE_LIMITS } from "@ameide-ext/contract";
import type { GuestLogLine } from "@ameide-ext/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";

const h = createHarness();
const tight = createHarness({ sizeLimits: { logBytes: 64 } });
afterAll(() => Promise.all([h.close(), tight.close()]));

/** The marker line the engine appends when it drops lines: its level and its fixed opening. */
function expectTruncationMarker(line: GuestLogLine | undefined, dropped: number): void {
  expect(line?.level).toBe("warn");
  expect(line?.message.startsWith(`[log truncated: ${dropped} more line(s)`)).toBe(true);
}

describe.each(MODES)("logs (%s)", (mode) => {
  it("keeps log-flood.wat's first 100 of 10,000 lines, adds one marker line, and the invocation stays ok", async () => {
    const ext = await h.load("log-flood");
    const r = await h.invoke(mode, ext, { input: "10000" });
    expect([r.outcome, r.output]).toEqual(["ok", "10000"]);
    const lines = DEFAULT_SIZE_LIMITS.logLines;
    expect(r.logs).toHaveLength(lines + 1);
    expect(r.logs.slice(0, lines).every((l) => l.level === "info" && l.message === "flood")).toBe(true);
    expectTruncationMarker(r.logs[lines], 10_000 - lines);
    await h.expectHealthy(mode);
  });

  it("keeps every line, and adds no marker, within the limits", async () => {
    const ext = await h.load("log-flood");
    const r = await h.invoke(mode, ext, { input: "3" });
    expect(r.logs).toEqual([
      { level: "info", message: "flood" },
      { level: "info", message: "flood" },
      { level: "info", message: "flood" },
    ]);
  });

  it("cuts by bytes too: 64 bytes keep 12 five-byte lines", async () => {
    const ext = await tight.load("log-flood");
    const r = await tight.invoke(mode, ext, { input: "100" });
    expect(r.outcome).toBe("ok");
    expect(r.logs).toHaveLength(13);
    expectTruncationMarker(r.logs[12], 88);
    await tight.expectHealthy(mode);
  });
});
