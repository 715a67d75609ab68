import { describe, expect, it } from "vitest";
import { type CompileBudgetOptions, createCompileBudget, DEFAULT_COMPILE_BUDGET } from "./compile-budget.js";

const T0 = Date.parse("2026-03-01T10:00:00.000Z");

function refusal(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("createCompileBudget()", () => {
  it("is stricter for agents than for other callers by default", () => {
    const { agents, callers } = DEFAULT_COMPILE_BUDGET;
    expect(agents.perMinute).toBeLessThan(callers.perMinute);
    expect(agents.concurrent).toBeLessThanOrEqual(callers.concurrent);
    const budget = createCompileBudget();
    expect(budget.limitsOf("agent:l2o")).toEqual(agents);
    expect(budget.limitsOf("user:ann")).toEqual(callers);
  });

  it("refuses a caller's compiles past its number per minute (resource_exhausted, compile_rate), with a retry-after", () => {
    const budget = createCompileBudget({ agents: { perMinute: 2, concurrent: 5 } });
    budget.take("agent:l2o", T0).release();
    budget.take("agent:l2o", T0 + 10_000).release();
    const e = refusal(() => budget.take("agent:l2o", T0 + 20_000));
    expect(e).toMatchObject({
      code: "resource_exhausted",
      details: {
        rule: "compile_rate",
        caller: "agent:l2o",
        limit: 2,
        actual: 2,
        per: "minute",
        retryAfterSeconds: 40,
        fix: expect.stringContaining("compile_budget"),
      },
    });
    // Another caller is not counted against it.
    expect(() => budget.take("agent:other", T0 + 20_000)).not.toThrow();
    // A minute after the first, one more.
    expect(() => budget.take("agent:l2o", T0 + 60_001)).not.toThrow();
  });

  it("refuses a caller's compile while its concurrent ones run (compile_rate), until one ends", () => {
    const budget = createCompileBudget({ callers: { perMinute: 100, concurrent: 1 } });
    const first = budget.take("user:ann", T0);
    expect(refusal(() => budget.take("user:ann", T0))).toMatchObject({
      code: "resource_exhausted",
      details: {
        rule: "compile_rate",
        per: "concurrent",
        limit: 1,
        actual: 1,
        retryAfterSeconds: expect.any(Number),
      },
    });
    first.release();
    first.release(); // twice is once
    const second = budget.take("user:ann", T0);
    expect(() => budget.take("user:ann", T0)).toThrow();
    second.release();
  });

  it("gives back the minute's slot of a compile that never started (cancel)", () => {
    const budget = createCompileBudget({ agents: { perMinute: 1, concurrent: 1 } });
    budget.take("agent:l2o", T0).cancel();
    expect(() => budget.take("agent:l2o", T0).release()).not.toThrow();
    expect(() => budget.take("agent:l2o", T0)).toThrow();
  });

  it("counts every refusal, per caller, and tells the listener", () => {
    const heard: Array<[string, number]> = [];
    const budget = createCompileBudget({ agents: { perMinute: 1, concurrent: 1 } }, (r) =>
      heard.push([r.caller, r.refusedTotal]),
    );
    budget.take("agent:l2o", T0).release();
    for (let i = 0; i < 3; i++) refusal(() => budget.take("agent:l2o", T0));
    expect(budget.refusals()).toEqual({ "agent:l2o": 3 });
    expect(heard).toEqual([
      ["agent:l2o", 1],
      ["agent:l2o", 2],
      ["agent:l2o", 3],
    ]);
  });

  it.each<[string, CompileBudgetOptions]>([
    ["a rate of 0", { agents: { perMinute: 0 } }],
    ["a fractional rate", { callers: { perMinute: 1.5 } }],
    ["a concurrency of 0", { callers: { concurrent: 0 } }],
    ["a concurrency above the bound", { agents: { concurrent: 1000 } }],
  ])("refuses %s (invalid_argument)", (_name, options) => {
    expect(() => createCompileBudget(options)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});
