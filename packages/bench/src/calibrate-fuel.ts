import { createEngine, FUEL_PER_CPU_MILLI } from "@ameide-ext/runtime";
import { watComponent } from "@ameide-ext/runtime/testing";
import { median } from "./median.js";
import { timedRun } from "./timed-run.js";
import { LOOP_GUEST_WAT, LOOP_ITERATIONS } from "./wat-guests.js";

/** Options of {@link calibrateFuel}. */
export interface CalibrateFuelOptions {
  /** Untimed runs first (V8 tier-up). Default 5. */
  warmupRuns?: number;
  /** Timed runs. Default 15. */
  runs?: number;
}

/** Fuel per CPU millisecond, measured. */
export interface FuelCalibration {
  /** Metered instructions per millisecond of the loop-heavy guest: fuel / the fastest run's time. */
  fuelPerMs: number;
  /** Fuel / the median run's time. */
  fuelPerMsMedian: number;
  /** Fuel of one run. */
  fuelUsed: number;
  /** Fastest run, ms: the one least disturbed by other processes. */
  bestMs: number;
  /** Median run time, ms. */
  medianMs: number;
  /** Timed runs. */
  runs: number;
  /** The constant in force, `FUEL_PER_CPU_MILLI` of @ameide-ext/contract. */
  current: number;
}

/**
 * Measures how much fuel the metered loop-heavy guest burns per millisecond on
 * this machine: the figure `FUEL_PER_CPU_MILLI` should be about.
 */
export async function calibrateFuel(options: CalibrateFuelOptions = {}): Promise<FuelCalibration> {
  const warmupRuns = options.warmupRuns ?? 5;
  const runs = options.runs ?? 15;
  const engine = createEngine({ meter: "block" });
  try {
    const ext = await engine.load(await watComponent(LOOP_GUEST_WAT));
    const input = String(LOOP_ITERATIONS);
    for (let i = 0; i < warmupRuns; i++) timedRun(engine, ext, input);
    const times: number[] = [];
    let fuelUsed = 0;
    for (let i = 0; i < runs; i++) {
      const r = timedRun(engine, ext, input);
      times.push(r.ms);
      fuelUsed = r.fuelUsed;
    }
    const medianMs = median(times);
    const bestMs = Math.min(...times);
    return {
      fuelPerMs: fuelUsed / bestMs,
      fuelPerMsMedian: fuelUsed / medianMs,
      fuelUsed,
      bestMs,
      medianMs,
      runs,
      current: FUEL_PER_CPU_MILLI,
    };
  } finally {
    await engine.close();
  }
}
