import { describe, expect, it } from "vitest";
import type { HookFixture } from "../hook-fixtures/fixture-schema.js";
import { checkManifest } from "../hook-manifest/load-manifest.js";
import type { InvocationReport } from "../hook-run/invoke-hook.js";
import { type HookStats, limitUsage } from "../hook-run/limit-usage.js";
import { judgeCase } from "./judge-case.js";

const loaded = checkManifest({
  id: "deal-approval",
  kind: "process_hook",
  abi: "json_in_json_out_v1",
  version: "1",
  risk_tier: "low",
  metadata: { description: "d", created_by: "user:1" },
  output_schema: { type: "object", required: ["route"] },
});

const stats = (over: Partial<HookStats> = {}): HookStats => ({
  fuelUsed: 1000,
  fuelLimit: 1_000_000,
  peakMemoryBytes: 65536,
  memoryLimitBytes: 16 * 1024 * 1024,
  durationUs: 100,
  timeoutMs: 50,
  outputBytes: 20,
  outputLimitBytes: 65536,
  hostCalls: 0,
  hostCallsLimit: 0,
  ...over,
});

function report(over: Partial<InvocationReport> = {}): InvocationReport {
  const s = over.stats ?? stats();
  return {
    outcome: "ok",
    output: { route: "standard" },
    error: null,
    logs: [],
    unexpectedHostCalls: [],
    unusedHostCalls: [],
    ...over,
    stats: s,
    usage: limitUsage(s),
  };
}

const business = { code: "INVALID_DEAL", reason: "business_error", message: "no" };
const fuel = { code: "resource_exhausted", reason: "fuel", message: "out of fuel" };
const fx = (over: Partial<HookFixture>): HookFixture => ({ name: "case", input: {}, ...over });

describe("judgeCase()", () => {
  it("passes an output deep-equal to expected, whatever its key order", () => {
    const r = report({ output: { route: "standard", reasons: ["a"] } });
    expect(judgeCase(fx({ expected: { reasons: ["a"], route: "standard" } }), r, loaded).failures).toEqual(
      [],
    );
  });

  it("fails a different output with a diff, and offers it as the update", () => {
    const verdict = judgeCase(fx({ expected: { route: "extra_approval" } }), report(), loaded);
    expect(verdict.failures).toHaveLength(1);
    expect(verdict.diff).toContain('-   "route": "extra_approval"');
    expect(verdict.diff).toContain('+   "route": "standard"');
    expect(verdict.update).toEqual({ expected: { route: "standard" } });
  });

  it("matches a business error by its code", () => {
    const r = report({ outcome: "business_error", output: null, error: business });
    expect(judgeCase(fx({ expectError: { code: "INVALID_DEAL" } }), r, loaded).failures).toEqual([]);
    expect(judgeCase(fx({ expectError: { code: "OTHER" } }), r, loaded).update).toEqual({
      expectError: { code: "INVALID_DEAL" },
    });
  });

  it("matches a technical error by code and reason, and never offers it as an update", () => {
    const r = report({
      outcome: "technical_error",
      output: null,
      error: fuel,
      stats: stats({ fuelUsed: 1_000_000 }),
    });
    expect(
      judgeCase(fx({ expectError: { code: "resource_exhausted", reason: "fuel" } }), r, loaded).failures,
    ).toEqual([]);
    const verdict = judgeCase(fx({ expected: { route: "standard" } }), r, loaded);
    expect(verdict.failures.map((f) => f.updatable)).toEqual([false]);
    expect(verdict.update).toBeUndefined();
  });

  it("fails an output that breaks the manifest's output_schema", () => {
    const verdict = judgeCase(fx({}), report({ output: { other: 1 } }), loaded);
    expect(verdict.failures.map((f) => f.updatable)).toEqual([false]);
  });

  it("warns from 80% of a limit and fails at 100%", () => {
    const warn = judgeCase(fx({}), report({ stats: stats({ fuelUsed: 850_000 }) }), loaded);
    expect(warn.failures).toEqual([]);
    expect(warn.warnings).toEqual([expect.stringContaining("fuel at 85%")]);
    const over = judgeCase(fx({}), report({ stats: stats({ outputBytes: 65536 }) }), loaded);
    expect(over.failures).toEqual([expect.objectContaining({ updatable: false })]);
  });

  it("fails a case whose host calls were not all answered, or not all made", () => {
    const verdict = judgeCase(
      fx({}),
      report({
        unexpectedHostCalls: ["unexpected host call a.b"],
        unusedHostCalls: ["hostCalls[1] (a.c) was not called"],
      }),
      loaded,
    );
    expect(verdict.failures).toHaveLength(2);
  });
});
