import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReplayReport } from "@ameide-ext/toolkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { EXIT_CODES } from "../exit-code.js";
import { sinceTime } from "../runtime/replay-invocations.js";
import { createCapturedDeps } from "../testing/cli-process.js";
import { replayTable } from "./replay.js";

describe("ameide-ext replay, refusals before anything runs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-replay-cli-"));
    await writeFile(join(dir, "broken.json"), "{not json");
    await writeFile(join(dir, "other.json"), JSON.stringify({ format: "something-else/v9", id: "x" }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const run = async (args: string[]) => {
    const io = createCapturedDeps({ cwd: dir, env: { HOME: join(dir, "no-home") } });
    const code = await runCli(["replay", ...args, "--json"], io.deps);
    return { code, doc: JSON.parse(io.stdout()) as { ok: boolean; error: Record<string, unknown> } };
  };

  it("refuses a file that is not JSON, or not a recording, as invalid input (exit 2), naming the field", async () => {
    const broken = await run(["broken.json"]);
    expect(broken.code).toBe(EXIT_CODES.usage);
    expect(broken.doc.error).toMatchObject({ code: "invalid_argument", reason: "invalid_input" });
    const other = await run(["other.json"]);
    expect(other.code).toBe(EXIT_CODES.usage);
    expect(other.doc.error).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
      details: { field: "format" },
    });
  });

  it("refuses no source, both sources, --from runtime without --extension, and a --since it cannot read", async () => {
    const cases = [
      [],
      ["broken.json", "--from", "runtime"],
      ["--from", "runtime"],
      ["--from", "somewhere", "--extension", "x"],
      ["--from", "runtime", "--extension", "x", "--runtime", "http://127.0.0.1:9", "--since", "yesterday"],
    ];
    for (const args of cases) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(EXIT_CODES.usage);
      expect(r.doc.error, args.join(" ")).toMatchObject({
        code: "invalid_argument",
        reason: "invalid_input",
      });
    }
  });

  it("a missing file is not_found (exit 2); an unreachable runtime is unavailable (exit 1)", async () => {
    expect((await run(["nope.json"])).doc.error).toMatchObject({ code: "not_found" });
    const far = await run(["--from", "runtime", "--extension", "x", "--runtime", "http://127.0.0.1:9"]);
    expect(far.code).toBe(EXIT_CODES.failed);
    expect(far.doc.error).toMatchObject({ code: "unavailable" });
  });
});

describe("sinceTime()", () => {
  it("reads a duration back from now, or an ISO time", () => {
    const now = Date.parse("2026-12-06T02:00:00.000Z");
    expect(sinceTime("1h", now)).toBe("2026-12-06T01:00:00.000Z");
    expect(sinceTime("30m", now)).toBe("2026-12-06T01:30:00.000Z");
    expect(sinceTime("2d", now)).toBe("2026-12-04T02:00:00.000Z");
    expect(sinceTime("2026-12-05T00:00:00Z", now)).toBe("2026-12-05T00:00:00.000Z");
    expect(() => sinceTime("-1h", now)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});

describe("replayTable()", () => {
  it("shows a recording's fields (the runtime's, so untrusted) with their control characters escaped, one row each", () => {
    const run = { outcome: "ok", output_json: "{}", error: null, fuel_used: 1, peak_memory_bytes: 1 };
    const report = {
      mode: "same",
      against: null,
      total: 1,
      replayed: 1,
      skipped: 0,
      identical: 1,
      mismatches: 0,
      changed: 0,
      new_errors: 0,
      fuel: { recorded: 1, replayed: 1, delta: 0 },
      summary: "all \u001b]52;c;Y3VybA==\u0007 fine",
      results: [
        {
          source: "k\u001b[2K",
          id: "r1",
          extension_id: "echo\u001b[2K\r\u001b[32mOK",
          version: "1\n2",
          recorded_at: "2026-01-01T00:00:00Z",
          status: "identical",
          differences: [],
          new_error: false,
          recorded: run,
          replayed: run,
          fuel_delta: 0,
          host_call_problems: ["\u009b2J"],
        },
      ],
    } as unknown as ReplayReport;
    const lines = replayTable(report);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal raw
    expect(lines.join("\n")).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(lines[1]).toContain("echo\\x1b[2K\\r\\x1b[32mOK@1\\n2");
    expect(lines.join("\n")).toContain("all \\x1b]52;c;Y3VybA==\\x07 fine");
  });
});
