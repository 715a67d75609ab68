import type { CaseResult, HookEvent } from "@ameide-ext/toolkit";
import { checkManifest, limitUsage } from "@ameide-ext/toolkit";
import { renderToString } from "ink";
import { createElement } from "react";
import { describe, expect, it } from "vitest";
import { initialProgress, reduceProgress } from "./progress-state.js";
import { ProgressView } from "./progress-view.js";

const { manifest } = checkManifest({
  id: "deal-approval",
  kind: "process_hook",
  abi: "json_in_json_out_v1",
  version: "1",
  limits: { cpu_millis: 5 },
  risk_tier: "low",
  metadata: { description: "d", created_by: "user:1" },
});

const stats = {
  fuelUsed: 4_200_000,
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

const result = (name: string, over: Partial<CaseResult>): CaseResult => ({
  name,
  file: `tests/${name}.json`,
  ok: true,
  status: "passed",
  outcome: "ok",
  output: {},
  error: null,
  stats,
  usage: limitUsage(stats),
  logs: [],
  failures: [],
  warnings: [],
  ...over,
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, "");
// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal raw
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("ProgressView", () => {
  it("renders the test table live from the same events as the plain reporter", () => {
    const events: HookEvent[] = [
      { type: "manifest", dir: "/h", manifest },
      { type: "compile-start", entry: "/h/src/index.ts" },
      { type: "cases", names: ["small deal", "big deal"] },
      { type: "case-done", index: 0, result: result("small deal", {}) },
    ];
    const state = events.reduce(reduceProgress, initialProgress("test"));
    const text = plain(renderToString(createElement(ProgressView, { state, cwd: "/" }), { columns: 120 }));
    expect(text).toContain("compiling h/src/index.ts");
    expect(text).toMatch(/✓ small deal +▇▇▇▇▇░ +84%/);
    expect(text).toMatch(/· big deal/);
  });

  it("ends with the diff of a failed case and `N passed, N failed`", () => {
    const failed = result("big deal", {
      ok: false,
      status: "failed",
      failures: ["the output differs from expected"],
      diff: '- Expected\n+ Received\n\n  {\n-   "route": "extra"\n+   "route": "standard"\n  }',
    });
    let state = [
      { type: "cases", names: ["small deal", "big deal"] },
      { type: "case-done", index: 0, result: result("small deal", {}) },
      { type: "case-done", index: 1, result: failed },
    ].reduce((s, e) => reduceProgress(s, e as HookEvent), initialProgress("test"));
    state = {
      ...state,
      outcome: {
        command: "test",
        result: {
          ok: false,
          dir: "/h",
          manifest,
          build: {
            wasm: "/h/dist/deal-approval.wasm",
            sha256: "0".repeat(64),
            bytes: 1,
            bytesLimit: 2,
            cached: true,
            durationMs: 0,
            warnings: [],
          },
          passed: 1,
          failed: 1,
          updated: [],
          cases: [result("small deal", {}), failed],
        },
      },
    };
    const lines = plain(renderToString(createElement(ProgressView, { state, cwd: "/" }), { columns: 120 }))
      .trimEnd()
      .split("\n");
    expect(lines).toContain('    +   "route": "standard"');
    expect(lines.at(-1)).toBe("1 passed, 1 failed");
  });

  it("shows a hostile case name, failure, warning, diff and error with their control characters escaped", () => {
    const name = "small deal\u001b[2K\r\u001b[32mPASS\u001b[0m  all fine\u001b]52;c;Y3VybA==\u0007";
    const failed = result(name, {
      ok: false,
      status: "failed",
      failures: ["the guest said \u001b]0;title\u0007"],
      warnings: ["\u009b2J"],
      diff: '- Expected\n+ Received\n\n-   "a": "\u001b[31m"',
    });
    const state = {
      ...[
        { type: "cases", names: [name] },
        { type: "case-done", index: 0, result: failed },
      ].reduce((s, e) => reduceProgress(s, e as HookEvent), initialProgress("test")),
      error: { heading: "error (unavailable)", text: "down\u001b[2K\rall good" },
    };
    const text = renderToString(createElement(ProgressView, { state, cwd: "/" }), { columns: 200 });
    // Only ink's own colours may remain: no OSC, no erase, no carriage return, no bell, no C1 control.
    expect(plain(text)).not.toMatch(RAW_CONTROL);
    expect(plain(text)).toContain("small deal\\x1b[2K\\r\\x1b[32mPASS\\x1b[0m  all fine\\x1b]52;c;");
    expect(plain(text)).toContain("down\\x1b[2K\\rall good");
  });

  it("marks the step that failed, then shows the error", () => {
    const state = {
      ...reduceProgress(initialProgress("build"), { type: "compile-start", entry: "/h/src/index.ts" }),
      error: { heading: "error (invalid_argument/compile_error)", text: "src/index.ts:2:18 error TS2322: …" },
    };
    const text = plain(renderToString(createElement(ProgressView, { state, cwd: "/h" }), { columns: 100 }));
    expect(text).toContain("✗ compiling src/index.ts");
    expect(text.trimEnd().split("\n").slice(-2)).toEqual([
      "error (invalid_argument/compile_error)",
      "src/index.ts:2:18 error TS2322: …",
    ]);
  });
});
