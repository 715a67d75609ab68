import { COST_MODEL, type CostClass, FUEL_PER_CPU_MILLI } from "@ameide-ext/runtime";
import type { CostSample } from "./measure-cost.js";

/** The weight each corpus guest calibrates (the class its loop spends its time in). */
export const GUEST_CLASSES: Readonly<Record<string, CostClass>> = Object.freeze({
  "tight-loop": "instruction",
  "arith-loop": "instruction",
  "locals-heavy": "instruction",
  "br-table": "instruction",
  "memory-small-copies": "instruction",
  calls: "call",
  "fib-recursion": "call",
  "host-import-calls": "call",
  "call-indirect-recursion": "callIndirect",
  "int-div": "intDivRem",
  "float-sqrt-div": "floatDivSqrt",
  "memory-grow-0": "memoryGrow",
  "memory-grow-1": "memoryGrowPerPage",
  "memory-touch": "memoryGrowPerPage",
  "memory-grow-0-large": "memoryGrowAt64MiB",
  "table-grow": "tableGrow",
  "table-grow-large": "tableGrowPerElement",
  "table-set": "tableAccess",
  "table-fill": "tablePerElement",
  "table-copy": "tablePerElement",
  "memory-fill": "memoryPerByte",
  "memory-copy": "memoryPerByte",
});

/** The ratio (CPU time ÷ cpu_millis) the suggestions aim at: under 1.0, with room for a noisy machine. */
export const TARGET_RATIO = 0.6;

/** What the calibration suggests. */
export interface WeightSuggestion {
  /** FUEL_PER_CPU_MILLI that brings the worst plain-instruction guest to {@link TARGET_RATIO}. */
  fuelPerCpuMilli: number;
  /** Each class's weight (relative to the suggested FUEL_PER_CPU_MILLI), from its worst guest. */
  weights: Record<CostClass, number>;
}

/** Rounds up to two significant digits: weights are constants, not measurements to the last unit. */
function roundUp(x: number): number {
  if (x <= 1) return 1;
  const p = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 1);
  return Math.ceil(x / p) * p;
}

/** The worst ratio of each class, over every path and cpu_millis measured. */
function worstByClass(samples: readonly CostSample[]): Map<CostClass, number> {
  const worst = new Map<CostClass, number>();
  for (const s of samples) {
    const c = GUEST_CLASSES[s.guest];
    if (c !== undefined) worst.set(c, Math.max(worst.get(c) ?? 0, s.ratio));
  }
  return worst;
}

/**
 * Suggests weights from measured ratios. Scaling FUEL_PER_CPU_MILLI by k
 * scales every ratio by k; scaling a class's weight by k divides its guest's
 * ratio by about k (its loop's other instructions aside). First the base rate
 * from the plain-instruction guests, then each class against that rate.
 */
export function suggestWeights(samples: readonly CostSample[]): WeightSuggestion {
  const worst = worstByClass(samples);
  const base = worst.get("instruction");
  const scale = base === undefined ? 1 : TARGET_RATIO / base;
  const fuelPerCpuMilli = roundUp(FUEL_PER_CPU_MILLI * scale);
  const weights = { ...COST_MODEL } as Record<CostClass, number>;
  for (const [c, ratio] of worst) {
    if (c === "instruction") continue;
    weights[c] = roundUp((COST_MODEL[c] * ratio * (fuelPerCpuMilli / FUEL_PER_CPU_MILLI)) / TARGET_RATIO);
  }
  return { fuelPerCpuMilli, weights };
}
