import { FUEL_PER_HOST_BYTE } from "@ameide-ext/contract";
import type { HostCallRequest } from "@ameide-ext/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";
import { expectTechnicalError } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

describe.each(MODES)("host strings over their caps (%s)", (mode) => {
  it.each([
    ["a 1,000-byte log level", "1"],
    ["a 1,000-byte service name", "2"],
    ["a 300,000-byte request", "3"],
  ])("ends huge-host-string.wat's %s with resource_exhausted/host_string_size", async (_what, input) => {
    const ext = await h.load("huge-host-string");
    const r = await h.invoke(mode, ext, { input });
    expectTechnicalError(r, "resource_exhausted", "host_string_size");
    await h.expectHealthy(mode);
  });
});

describe.each(MODES)("fuel per byte the host reads or writes (%s)", (mode) => {
  it("charges host-bytes.wat FUEL_PER_HOST_BYTE per byte of its log message, deterministically", async () => {
    const ext = await h.load("host-bytes");
    const small = await h.invoke(mode, ext, { input: "1000" });
    const large = await h.invoke(mode, ext, { input: "3000" });
    expect([small.outcome, large.outcome]).toEqual(["ok", "ok"]);
    expect(large.stats.fuelUsed - small.stats.fuelUsed).toBe(2000 * FUEL_PER_HOST_BYTE);
    expect((await h.invoke(mode, ext, { input: "3000" })).stats.fuelUsed).toBe(large.stats.fuelUsed);
  });

  it("charges linked-renamed-host.wat, whose core module imports the host under a name of its own, per byte of its log message", async () => {
    const ext = await h.load("linked-renamed-host");
    const small = await h.invoke(mode, ext, { input: "1" });
    const large = await h.invoke(mode, ext, { input: "3" });
    expect([small.outcome, large.outcome]).toEqual(["ok", "ok"]);
    expect(large.stats.fuelUsed - small.stats.fuelUsed).toBe(2000 * FUEL_PER_HOST_BYTE);
  });

  it("charges host-call.wat FUEL_PER_HOST_BYTE per byte of the answer written into its memory", async () => {
    const ext = await h.load("host-call");
    const answer = (n: number) => (_call: HostCallRequest) => JSON.stringify("a".repeat(n));
    const invoke = (n: number) =>
      h.invoke(mode, ext, {
        input: JSON.stringify([1, "crm", "Echo"]),
        policy: { riskTier: "medium", allow: [{ service: "crm", method: "Echo", readOnly: true }] },
        hostHandler: answer(n),
      });
    const small = await invoke(1000);
    const large = await invoke(3000);
    expect([small.outcome, large.outcome]).toEqual(["ok", "ok"]);
    expect(large.stats.fuelUsed - small.stats.fuelUsed).toBe(2000 * FUEL_PER_HOST_BYTE);
    expect((await invoke(3000)).stats.fuelUsed).toBe(large.stats.fuelUsed);
  });
});
