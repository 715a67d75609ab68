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
