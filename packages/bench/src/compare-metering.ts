import { type Engine, ExtensionError } from "@ameide-ext/runtime";
import { watComponent } from "@ameide-ext/runtime/testing";
import { median } from "./median.js";
import { timedRun } from "./timed-run.js";

/** Options of {@link compareMetering}. */
export interface CompareMeteringOptions {
  /** The metered engine (`meter: "block"`). */
  metered: Engine;
  /** The baseline engine (`meter: "none"`). */
  unmetered: Engine;
  /** The guest, in WAT. */
  wat: string;
  /** Its input. */
  input: string;
  /** Untimed runs on each engine first, so that V8 has tiered the code up (Liftoff to TurboFan). */
  warmupRuns: number;
  /** Timed runs on each engine, interleaved. */
  runs: number;
}

/** Metered against unmetered time of one guest. */
export interface MeterComparison {
  /** Median time of a metered run, ms. */
  meteredMs: number;
  /** Median time of an unmetered run, ms. */
  unmeteredMs: number;
  /** Fastest metered run, ms. */
  meteredBestMs: number;
  /** Fastest unmetered run, ms. */
  unmeteredBestMs: number;
  /**
   * The cost of fuel metering: the median, over the interleaved pairs, of a
   * metered run's time over the unmetered run's next to it. Pairing keeps a
   * neighbour's load, which changes slowly, out of the ratio.
   */
  ratio: number;
  /** meteredBestMs / unmeteredBestMs. */
  bestRatio: number;
  /** Fuel one run uses: WebAssembly instructions executed, weighted by the cost model. */
  fuelUsed: number;
  /** fuelUsed / meteredBestMs: metered instructions per millisecond of CPU, from the least disturbed run. */
  fuelPerMs: number;
  /** fuelUsed / meteredMs: the same from the median run. */
  fuelPerMsMedian: number;
  /** Timed runs per engine. */
  runs: number;
}

/**
 * Loads the same component in both engines and times it: warm-up runs, then
 * `runs` pairs, alternating which engine goes first so that drift (frequency,
 * a neighbour's load) hits both alike. Times are medians of the runs.
 */
export async function compareMetering(options: CompareMeteringOptions): Promise<MeterComparison> {
  const { metered, unmetered, input } = options;
  const component = await watComponent(options.wat);
  const m = await metered.load(component);
  const u = await unmetered.load(component);
  for (let i = 0; i < options.warmupRuns; i++) {
    timedRun(metered, m, input);
    timedRun(unmetered, u, input);
  }
  const mTimes: number[] = [];
  const uTimes: number[] = [];
  const ratios: number[] = [];
  let fuelUsed = 0;
  for (let i = 0; i < options.runs; i++) {
    const meteredFirst = i % 2 === 0 ? timedRun(metered, m, input) : undefined;
    const base = timedRun(unmetered, u, input);
    const run = meteredFirst ?? timedRun(metered, m, input);
    if (run.output !== base.output) {
      throw new ExtensionError(
        "internal",
        `metered and unmetered outputs differ: ${run.output} vs ${base.output}`,
      );
    }
    mTimes.push(run.ms);
    uTimes.push(base.ms);
    ratios.push(run.ms / base.ms);
    fuelUsed = run.fuelUsed;
  }
  const meteredMs = median(mTimes);
  const unmeteredMs = median(uTimes);
  const meteredBestMs = Math.min(...mTimes);
  const unmeteredBestMs = Math.min(...uTimes);
  return {
    meteredMs,
    unmeteredMs,
    meteredBestMs,
    unmeteredBestMs,
    ratio: median(ratios),
    bestRatio: meteredBestMs / unmeteredBestMs,
    fuelUsed,
    fuelPerMs: fuelUsed / meteredBestMs,
    fuelPerMsMedian: fuelUsed / meteredMs,
    runs: options.runs,
  };
}
