import { createEngine, type Engine } from "@ameide-ext/runtime";
import { buildCostGuest, listCostGuests } from "./cost-corpus.js";
import { type CostPath, type CostSample, measureExhaustion, measureHookCost } from "./measure-cost.js";
import { median } from "./median.js";
import { suggestWeights, type WeightSuggestion } from "./suggest-weights.js";

/**
 * A built hook measured next to the corpus (it finishes within its budget),
 * with a baseline: a trivial guest of the same kind (an echo), whose CPU time
 * and fuel are subtracted, so that the ratio is that of the hook's own code,
 * not of the engine's fixed work per invocation.
 */
export interface CostHook {
  name: string;
  component: Uint8Array;
  input: string;
  baseline: Uint8Array;
}

/** Options of {@link runCostCalibration}. */
export interface CostCalibrationOptions {
  /** The `cpu_millis` each corpus guest runs with. Default [5, 50]. */
  cpuMillis?: number[];
  /** Default both. */
  paths?: CostPath[];
  /** Corpus guests to run. Default all of guests/cost/. */
  guests?: string[];
  /** Timed invocations per guest, path and cpu_millis. Default 5. */
  runs?: number;
  /** Untimed invocations first. Default 2. */
  warmupRuns?: number;
  /**
   * Also measure each guest's first invocation on a fresh engine (and a fresh
   * pool worker), with the first of `cpuMillis`: compilation and V8's
   * tier-up land there. Default false.
   */
  cold?: boolean;
  /** Hooks measured too (the AS and TS deal rules). */
  hooks?: CostHook[];
  /** Progress lines (stderr in the scripts). */
  progress?: (line: string) => void;
}

/** The goal of issue #10 item 3, per path: every guest at most 1.0× its cpu_millis, the median at least 0.4×. */
export interface CostGoal {
  path: CostPath;
  maxRatio: number;
  medianRatio: number;
  pass: boolean;
}

/** Every measurement of a calibration run. */
export interface CostCalibration {
  samples: CostSample[];
  /** First invocations on fresh engines, when asked for: outside the goals (see {@link CostCalibrationOptions.cold}). */
  coldSamples: CostSample[];
  goals: CostGoal[];
  suggestion: WeightSuggestion;
  /** The V8 flags the process ran with (the wasm tiers depend on them). */
  execArgv: string[];
}

/** The goal's bounds. */
export const COST_GOAL = Object.freeze({ maxRatio: 1.0, minMedianRatio: 0.4 });

async function measureCorpus(
  engine: Engine,
  options: Required<Omit<CostCalibrationOptions, "hooks" | "progress" | "cold">>,
  progress: (line: string) => void,
): Promise<CostSample[]> {
  const samples: CostSample[] = [];
  for (const guest of options.guests) {
    const ext = await engine.load(await buildCostGuest(guest));
    for (const path of options.paths) {
      for (const cpuMillis of options.cpuMillis) {
        progress(`cost: ${guest}, ${path}, cpu_millis ${cpuMillis}`);
        const s = await measureExhaustion(engine, ext, {
          guest,
          path,
          cpuMillis,
          warmupRuns: options.warmupRuns,
          runs: options.runs,
        });
        samples.push(s);
      }
    }
  }
  return samples;
}

async function measureHooks(
  engine: Engine,
  hooks: readonly CostHook[],
  paths: readonly CostPath[],
  progress: (line: string) => void,
): Promise<CostSample[]> {
  const samples: CostSample[] = [];
  for (const hook of hooks) {
    const ext = await engine.load(hook.component);
    const base = await engine.load(hook.baseline);
    for (const path of paths) {
      progress(`cost: ${hook.name}, ${path}`);
      const opts = {
        guest: hook.name,
        path,
        input: hook.input,
        warmupBatches: 3,
        batches: 9,
        batchSize: 200,
      };
      samples.push(await measureHookCost(engine, ext, base, opts));
    }
  }
  return samples;
}

/** The first invocation of each guest, on each path, on an engine of its own (its pool worker booted first). */
async function measureCold(
  guests: readonly string[],
  paths: readonly CostPath[],
  cpuMillis: number,
  progress: (line: string) => void,
): Promise<CostSample[]> {
  const samples: CostSample[] = [];
  for (const guest of guests) {
    const component = await buildCostGuest(guest);
    for (const path of paths) {
      progress(`cost: ${guest}, ${path}, first invocation`);
      const engine = createEngine({ pool: { size: 1 } });
      try {
        await engine.warmUp();
        const ext = await engine.load(component);
        samples.push(
          await measureExhaustion(engine, ext, { guest, path, cpuMillis, warmupRuns: 0, runs: 1 }),
        );
      } finally {
        await engine.close();
      }
    }
  }
  return samples;
}

function goals(samples: readonly CostSample[], paths: readonly CostPath[]): CostGoal[] {
  return paths.map((path) => {
    const ratios = samples.filter((s) => s.path === path).map((s) => s.ratio);
    const maxRatio = Math.max(...ratios);
    const medianRatio = median(ratios);
    const pass = maxRatio <= COST_GOAL.maxRatio && medianRatio >= COST_GOAL.minMedianRatio;
    return { path, maxRatio, medianRatio, pass };
  });
}

/**
 * Runs every corpus guest until its fuel runs out, inline and in a pool of
 * one worker (one invocation in flight), with each `cpu_millis`, and the
 * hooks to completion; measures CPU time against what the fuel promised.
 */
export async function runCostCalibration(options: CostCalibrationOptions = {}): Promise<CostCalibration> {
  const resolved = {
    cpuMillis: options.cpuMillis ?? [5, 50],
    paths: options.paths ?? (["inline", "pool"] as CostPath[]),
    guests: options.guests ?? listCostGuests(),
    runs: options.runs ?? 5,
    warmupRuns: options.warmupRuns ?? 2,
  };
  const progress = options.progress ?? (() => {});
  const engine = createEngine({ pool: { size: 1 } });
  try {
    await engine.warmUp();
    const samples = await measureCorpus(engine, resolved, progress);
    samples.push(...(await measureHooks(engine, options.hooks ?? [], resolved.paths, progress)));
    const coldSamples = options.cold
      ? await measureCold(resolved.guests, resolved.paths, resolved.cpuMillis[0] ?? 5, progress)
      : [];
    return {
      samples,
      coldSamples,
      goals: goals(samples, resolved.paths),
      suggestion: suggestWeights(samples),
      execArgv: process.execArgv,
    };
  } finally {
    await engine.close();
  }
}
