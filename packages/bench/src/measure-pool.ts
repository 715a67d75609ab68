import type { Engine, InvokeRequest, LoadedExtension } from "@ameide-ext/runtime";
import { ExtensionError } from "@ameide-ext/runtime";
import { build } from "hdr-histogram-js";
import type { LatencySummary } from "./latency-summary.js";

/** Options of {@link measurePool}. */
export interface MeasurePoolOptions {
  /** Invocations in flight at once: the pool's size, so that no invocation waits in its queue. */
  concurrency: number;
  /** Warm-up time, in ms: workers boot, compile the module and tier it up. */
  warmupMs: number;
  /** Time spent measuring, in ms. */
  timeMs: number;
}

/** The worker-pool path's figures. */
export interface PoolMeasurement extends LatencySummary {
  /** Invocations completed per second, all workers together. */
  throughputPerSec: number;
  /** Invocations in flight at once. */
  concurrency: number;
}

/**
 * Runs a closed loop against {@link Engine.invoke}: `concurrency` callers each
 * await one invocation after another. Each invocation's round trip (post to a
 * worker, run, result back) is timed on its own with `process.hrtime` and
 * recorded in an HDR histogram (ns, 3 significant digits); throughput is the
 * count completed over the wall-clock time.
 */
export async function measurePool(
  engine: Engine,
  ext: LoadedExtension,
  request: InvokeRequest,
  options: MeasurePoolOptions,
): Promise<PoolMeasurement> {
  const once = async () => {
    const r = await engine.invoke(ext, request);
    if (r.outcome !== "ok")
      throw new ExtensionError("internal", `a pooled invocation failed: ${JSON.stringify(r.error)}`);
  };
  const loop = async (until: number, onDone: (ns: bigint) => void) => {
    while (performance.now() < until) {
      const t0 = process.hrtime.bigint();
      await once();
      onDone(process.hrtime.bigint() - t0);
    }
  };
  const callers = (until: number, onDone: (ns: bigint) => void) =>
    Promise.all(Array.from({ length: options.concurrency }, () => loop(until, onDone)));

  await callers(performance.now() + options.warmupMs, () => {});

  const histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60e9,
    numberOfSignificantValueDigits: 3,
  });
  try {
    let count = 0;
    const started = performance.now();
    await callers(started + options.timeMs, (ns) => {
      histogram.recordValue(Number(ns));
      count++;
    });
    const elapsedMs = performance.now() - started;
    return {
      p50Us: histogram.getValueAtPercentile(50) / 1000,
      p99Us: histogram.getValueAtPercentile(99) / 1000,
      meanUs: histogram.mean / 1000,
      samples: count,
      throughputPerSec: (count / elapsedMs) * 1000,
      concurrency: options.concurrency,
    };
  } finally {
    histogram.destroy();
  }
}
