// Red team: text from a fixture, a hook, the registry or the runtime must reach a terminal with its control
// characters escaped: a case name with ESC sequences erased FAIL and printed PASS, OSC 52 wrote the clipboard.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import type { CaseResult, RunHookResult } from "@ameide-ext/toolkit";
import { checkManifest, limitUsage } from "@ameide-ext/toolkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { createCapturedDeps } from "../testing/cli-process.js";
import { createPlainReporter } from "./plain-reporter.js";

const ESC_NAME =
  "small deal\u001b[2K\r\u001b[32mPASS\u001b[0m  all fine\u001b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007";
// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal raw
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const stats = {
  fuelUsed: 1,
  fuelLimit: 5_000_000,
  peakMemoryBytes: 65536,
  memoryLimitBytes: 16 * 1024 * 1024,
  durationUs: 80,
  timeoutMs: 50,
  outputBytes: 65,
  outputLimitBytes: 65536,
  hostCalls: 0,
  hostCallsLimit: 0,
};
const { manifest } = checkManifest({
  id: "deal-approval",
  kind: "process_hook",
  abi: "json_in_json_out_v1",
  version: "1",
  limits: { cpu_millis: 5 },
  risk_tier: "low",
  metadata: { description: "d", created_by: "user:1" },
});

describe("the plain reporter, given hostile text", () => {
  it("prints a failed case's name, file, failures and warnings escaped, on one line each", () => {
    const c = createCapturedDeps({ cwd: "/" });
    const reporter = createPlainReporter("test", c.deps);
    const result: CaseResult = {
      name: `${ESC_NAME}\nPASS  forged`,
      file: "tests/\u001b[8mx.json",
      ok: false,
      status: "failed",
      outcome: "ok",
      output: {},
      error: null,
      stats,
      usage: limitUsage(stats),
      logs: [],
      failures: ["the guest said \u001b]0;title\u0007"],
      warnings: ["\u009b2J"],
      diff: '- Expected\n+ Received\n\n-   "a": "\u001b[31m"',
    };
    reporter.event({ type: "case-done", index: 0, result });
    const out = c.stdout();
    expect(out).not.toMatch(RAW_CONTROL);
    expect(out).toContain("FAIL  small deal\\x1b[2K\\r\\x1b[32mPASS\\x1b[0m  all fine\\x1b]52;c;");
    expect(out).toContain("\\nPASS  forged");
    expect(out.split("\n").filter((l) => l.startsWith("PASS"))).toEqual([]);
  });

  it("prints a run's log lines, error and warnings escaped, and its output as JSON still", async () => {
    const c = createCapturedDeps({ cwd: "/" });
    const reporter = createPlainReporter("run", c.deps);
    const output = { note: "\u009b2J\u007f" };
    const result = {
      ok: true,
      dir: "/h",
      manifest,
      riskTier: "low",
      build: {
        wasm: "/h/dist/x.wasm",
        sha256: "0",
        bytes: 1,
        bytesLimit: 2,
        cached: true,
        durationMs: 0,
        warnings: [],
      },
      outcome: "ok",
      output,
      error: null,
      stats,
      usage: limitUsage(stats),
      logs: [{ level: "info", message: "deal \u001b]52;c;Y3VybA==\u0007 needs approval" }],
      warnings: ["\u001b[1Awarn"],
    } as unknown as RunHookResult;
    await reporter.done({ command: "run", result });
    expect(c.stderr()).not.toMatch(RAW_CONTROL);
    expect(c.stderr()).toContain("log     [info] deal \\x1b]52;c;Y3VybA==\\x07 needs approval");
    expect(c.stdout()).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(c.stdout())).toEqual(output);
  });

  it("prints a failure's message escaped", async () => {
    const c = createCapturedDeps({ cwd: "/" });
    await createPlainReporter("run", c.deps).fail(
      new ExtensionError("unavailable", "down\u001b[2K\rall good"),
    );
    expect(c.stderr()).toBe("error (unavailable): down\\x1b[2K\\rall good\n");
  });
});

describe("ameide-ext test, plain, with a fixture named with escape sequences", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "ameide-esc-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("prints the name escaped: no raw ESC byte reaches stdout or stderr, FAIL stays FAIL", async () => {
    const c = createCapturedDeps({ cwd: root, env: { NO_COLOR: "1" } });
    expect(await runCli(["new", "esc-hook", "--kind", "process_hook", "--dir", "h", "--json"], c.deps)).toBe(
      0,
    );
    const fixture = path.join(root, "h", "tests", "small-deal.json");
    const doc = JSON.parse(await readFile(fixture, "utf8")) as Record<string, unknown>;
    await writeFile(fixture, JSON.stringify({ ...doc, name: ESC_NAME, expected: { wrong: true } }));
    const run = createCapturedDeps({ cwd: root, env: { NO_COLOR: "1" } });
    await runCli(["test", "h"], run.deps);
    expect(run.stdout()).not.toContain("\u001b");
    expect(run.stdout()).not.toMatch(RAW_CONTROL);
    expect(run.stderr()).not.toMatch(RAW_CONTROL);
    expect(run.stdout()).toContain("FAIL  small deal\\x1b[2K\\r\\x1b[32mPASS");
  });

  it("prints a hook's log line escaped in `run`", async () => {
    const run = createCapturedDeps({
      cwd: root,
      env: { NO_COLOR: "1" },
      stdin: JSON.stringify({ dealId: "\u001b]52;c;Y3VybA==\u0007", amount: 72000, marginPct: 8.5 }),
    });
    await runCli(["run", "h", "--input", "-"], run.deps);
    expect(run.stderr()).toContain("deal \\x1b]52;c;Y3VybA==\\x07 needs an extra approval step");
    expect(run.stderr()).not.toMatch(RAW_CONTROL);
    expect(run.stdout()).not.toMatch(RAW_CONTROL);
  });
});
