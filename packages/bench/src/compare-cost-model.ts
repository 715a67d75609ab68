import { createEngine, type Engine, ExtensionError, type LoadedExtension } from "@ameide-ext/runtime";
import { median } from "./median.js";

/** The common path under the cost model against the metering before it, for one hook. */
export interface CostModelComparison {
  hook: string;
  /** Fuel of one invocation: uniform metering, then the cost model. */
  fuel: { uniform: number; weighted: number };
  /** Median µs per invocation over the rounds, inline (engine.invokeInline). */
  inline: { uniformUs: number; weightedUs: number; ratio: number };
  /** Median µs per invocation over the rounds, in a pool of one worker, one in flight (engine.invoke). */
  pool: { uniformUs: number; weightedUs: number; ratio: number };
  /** Timed rounds: one batch on each engine, alternating which goes first. */
  rounds: number;
}

/** Options of {@link compareCostModel}. */
export interface CompareCostModelOptions {
  hook: string;
  component: Uint8Array;
  input: string;
  /** The output both engines must give. */
  output: string;
  /** Timed rounds. Default 15. */
  rounds?: number;
  /** Invocations per batch, inline. Default 2000. */
  inlineBatch?: number;
  /** Invocations per batch, pool. Default 200. */
  poolBatch?: number;
}

type Run = (engine: Engine, ext: LoadedExtension) => Promise<unknown> | unknown;

/** µs per call of `n` calls of `run`, back to back. */
async function batchUs(run: Run, engine: Engine, ext: LoadedExtension, n: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) await run(engine, ext);
  return ((performance.now() - started) * 1000) / n;
}

/** Interleaved batches on both engines; the median µs of each and the median of the rounds' ratios. */
async function interleave(
  run: Run,
  a: [Engine, LoadedExtension],
  b: [Engine, LoadedExtension],
  rounds: number,
  n: number,
): Promise<{ uniformUs: number; weightedUs: number; ratio: number }> {
  await batchUs(run, ...a, n);
  await batchUs(run, ...b, n);
  const ua: number[] = [];
  const ub: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const first = i % 2 === 0 ? await batchUs(run, ...a, n) : undefined;
    const y = await batchUs(run, ...b, n);
    const x = first ?? (await batchUs(run, ...a, n));
    ua.push(x);
    ub.push(y);
    ratios.push(y / x);
  }
  return { uniformUs: median(ua), weightedUs: median(ub), ratio: median(ratios) };
}

/**
 * Loads one hook on two engines, `meter: "uniform"` (the metering before the
 * cost model) and the product's (the cost model), and times its invocation
 * on both in the same process, in interleaved batches: what the cost model
 * costs the common path.
 */
export async function compareCostModel(options: CompareCostModelOptions): Promise<CostModelComparison> {
  const uniform = createEngine({ meter: "uniform", pool: { size: 1 } });
  const weighted = createEngine({ pool: { size: 1 } });
  try {
    const request = { input: options.input };
    const a: [Engine, LoadedExtension] = [uniform, await uniform.load(options.component)];
    const b: [Engine, LoadedExtension] = [weighted, await weighted.load(options.component)];
    const checks = [a, b].map(([e, x]) => e.invokeInline(x, request));
    for (const c of checks) {
      if (c.output !== options.output) {
        throw new ExtensionError(
          "internal",
          `${options.hook} answered ${JSON.stringify(c.output ?? c.error)}`,
        );
      }
    }
    const rounds = options.rounds ?? 15;
    const inline = await interleave(
      (e, x) => e.invokeInline(x, request),
      a,
      b,
      rounds,
      options.inlineBatch ?? 2000,
    );
    const pool = await interleave((e, x) => e.invoke(x, request), a, b, rounds, options.poolBatch ?? 200);
    return {
      hook: options.hook,
      fuel: { uniform: checks[0]?.stats.fuelUsed ?? 0, weighted: checks[1]?.stats.fuelUsed ?? 0 },
      inline,
      pool,
      rounds,
    };
  } finally {
    await Promise.all([uniform.close(), weighted.close()]);
  }
}
