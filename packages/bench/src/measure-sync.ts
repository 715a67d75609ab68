import { ExtensionError } from "@ameide-ext/runtime";
import { Bench } from "tinybench";
import type { LatencySummary } from "./latency-summary.js";

/** Options of {@link measureSync}. */
export interface MeasureSyncOptions {
  /** Warm-up time before timing, in ms (V8 tiers the code up meanwhile). */
  warmupMs: number;
  /** Time spent timing calls, in ms. */
  timeMs: number;
}

/** Latency of one synchronous call, and what the timer itself costs. */
export interface SyncMeasurement extends LatencySummary {
  /** The timer's own overhead per reading pair, in µs, subtracted from every sample. */
  timerOverheadUs: number;
}

/**
 * Times `fn` call by call with tinybench: each call is timed on its own with
 * `process.hrtime` (ns), the timer's measured overhead is subtracted from every
 * sample, and the percentiles come from the sorted samples.
 */
export async function measureSync(
  name: string,
  fn: () => unknown,
  options: MeasureSyncOptions,
): Promise<SyncMeasurement> {
  const bench = new Bench({
    time: options.timeMs,
    warmupTime: options.warmupMs,
    timestampProvider: "hrtimeNow",
    subtractTimerOverhead: true,
    throws: true,
  });
  bench.add(name, fn);
  const [task] = await bench.run();
  const result = task?.result;
  if (!result || !("latency" in result)) {
    throw new ExtensionError(
      "internal",
      `the benchmark of ${name} did not complete (${result?.state ?? "no result"})`,
    );
  }
  const ms = result.latency;
  return {
    p50Us: ms.p50 * 1000,
    p99Us: ms.p99 * 1000,
    meanUs: ms.mean * 1000,
    samples: ms.samplesCount,
    timerOverheadUs: (bench.timerOverhead ?? 0) * 1000,
  };
}

/**
 * Single-thread throughput of `fn`, in calls per second: batches of `batch`
 * back-to-back calls with no timer between them, for `timeMs`.
 */
export function measureThroughput(fn: () => unknown, timeMs: number, batch = 1000): number {
  let calls = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < timeMs) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = performance.now() - started;
  }
  return (calls / elapsed) * 1000;
}
