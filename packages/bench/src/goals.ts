import { COST_GOAL } from "./run-cost-calibration.js";
import type { EngineBenchResults } from "./run-engine-bench.js";

/** One goal the bench checks, and how the run fared. */
export interface GoalResult {
  /** What is measured, e.g. "AS hook, inline p50". */
  name: string;
  /** The target, as printed, e.g. "≤ 20 µs". */
  target: string;
  /** The figure measured, as printed. */
  actual: string;
  /** True when the figure meets the target. */
  pass: boolean;
}

/** Inline invocation of the AssemblyScript deal rule, p50, in µs (architecture.md, "Performance envelope"). */
export const INLINE_P50_GOAL_US = 20;

/** Metered / unmetered time of the loop-heavy guest. */
export const FUEL_OVERHEAD_GOAL_RATIO = 1.5;

/**
 * Inline invocation of the TypeScript deal rule (QuickJS, linked), p50, in µs:
 * the target issue #4 sets for TypeScript hooks, fresh state per invocation included.
 */
export const TS_INLINE_P50_GOAL_US = 150;

/** The cost model's invocation time over the metering before it (meter "uniform"), AS and TS deal rules inline (issue #10 item 3). */
export const COST_MODEL_SLOWDOWN_GOAL_RATIO = 1.1;

const us = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} µs`;

/** The engine bench's goals, in the order the report prints them, and whether the run met each. */
export function engineBenchGoals(
  r: Pick<EngineBenchResults, "dealApproval" | "fuelOverhead" | "costModel" | "cost">,
): GoalResult[] {
  const deal = r.dealApproval;
  return [
    {
      name: "AS hook, inline p50",
      target: `≤ ${INLINE_P50_GOAL_US} µs`,
      actual: us(deal.inline.p50Us),
      pass: deal.inline.p50Us <= INLINE_P50_GOAL_US,
    },
    {
      name: "TS hook, inline p50",
      target: `≤ ${TS_INLINE_P50_GOAL_US} µs`,
      actual: us(deal.typescript.inline.p50Us),
      pass: deal.typescript.inline.p50Us <= TS_INLINE_P50_GOAL_US,
    },
    ...r.costModel.map((c) => ({
      name: `cost model / uniform metering, ${c.hook} inline`,
      target: `≤ ${COST_MODEL_SLOWDOWN_GOAL_RATIO}×`,
      actual: `${c.inline.ratio.toFixed(2)}×`,
      pass: c.inline.ratio <= COST_MODEL_SLOWDOWN_GOAL_RATIO,
    })),
    ...r.cost.goals.map((g) => ({
      name: `cost table, ${g.path}: worst and median CPU ÷ cpu_millis`,
      target: `≤ ${COST_GOAL.maxRatio}, ≥ ${COST_GOAL.minMedianRatio}`,
      actual: `${g.maxRatio.toFixed(2)}, ${g.medianRatio.toFixed(2)}`,
      pass: g.pass,
    })),
    {
      name: "fuel overhead, loop-heavy guest",
      target: `≤ ${FUEL_OVERHEAD_GOAL_RATIO}×`,
      actual: `${r.fuelOverhead.loopHeavy.ratio.toFixed(2)}×`,
      pass: r.fuelOverhead.loopHeavy.ratio <= FUEL_OVERHEAD_GOAL_RATIO,
    },
  ];
}
