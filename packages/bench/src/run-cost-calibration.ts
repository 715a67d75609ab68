import { createEngine, type Engine } from "@ameide-ext/runtime";
import { buildCostGuest, listCostGuests, readCostGuest } from "./cost-corpus.js";
import { type CostPath, type CostSample, measureExhaustion } from "./measure-cost.js";
import { median } from "./median.js";
import { suggestWeights, type WeightSuggestion } from "./suggest-weights.js";

/**
 * A built hook measured with the corpus: one that runs a real rule again and
 * again until its fuel runs out (hooks/deal-approval-loop and -loop-ts).
 */
export interface CostHook {
  name: string;
  component: Uint8Array;
  input: string;
  /** Its `memory_mb` (the rules allocate on every turn and never free). */
  memoryMb?: number;
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
  /** Each invocation's wall-clock limit, ms. Default 60,000. */
  timeoutMs?: number;
  /**
   * Also measure each guest's first invocation on a fresh engine (and a fresh
   * pool worker), with the first of `cpuMillis`: compilation and V8's
   * tier-up land there. Default false.
   */
  cold?: boolean;
  /**
   * The engines' metering: "block" (default, the cost model) or "uniform"
   * (the metering before it, 1 per instruction: the table as it was).
   */
  meter?: "block" | "uniform";
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
  /** The metering measured. */
  meter: "block" | "uniform";
  /** The V8 flags the process ran with (the wasm tiers depend on them). */
  execArgv: string[];
}

/** The goal's bounds. */
export const COST_GOAL = Object.freeze({ maxRatio: 1.0, minMedianRatio: 0.4 });

/** A guest to measure: a corpus file or a hook, built. */
interface Subject {
  guest: string;
  component: Uint8Array;
  input: string;
  memoryMb: number | undefined;
}

async function measureSubjects(
  engine: Engine,
  subjects: readonly Subject[],
  options: Required<Omit<CostCalibrationOptions, "hooks" | "progress" | "cold" | "guests" | "meter">>,
  progress: (line: string) => void,
): Promise<CostSample[]> {
  const samples: CostSample[] = [];
  for (const { guest, component, input, memoryMb } of subjects) {
    const ext = await engine.load(component, memoryMb ? { limits: { memoryMb } } : {});
    for (const path of options.paths) {
      for (const cpuMillis of options.cpuMillis) {
        progress(`cost: ${guest}, ${path}, cpu_millis ${cpuMillis}`);
        const { warmupRuns, runs, timeoutMs } = options;
        const opts = { guest, path, cpuMillis, input, warmupRuns, runs, timeoutMs };
        samples.push(await measureExhaustion(engine, ext, opts));
      }
    }
  }
  return samples;
}

async function corpusSubjects(guests: readonly string[], hooks: readonly CostHook[]): Promise<Subject[]> {
  const subjects: Subject[] = [];
  for (const guest of guests) {
    const { memoryMb } = readCostGuest(guest);
    subjects.push({ guest, component: await buildCostGuest(guest), input: "null", memoryMb });
  }
  for (const h of hooks) {
    subjects.push({ guest: h.name, component: h.component, input: h.input, memoryMb: h.memoryMb });
  }
  return subjects;
}

/** The first invocation of each guest, on each path, on an engine of its own (its pool worker booted first). */
async function measureCold(
  subjects: readonly Subject[],
  paths: readonly CostPath[],
  cpuMillis: number,
  meter: "block" | "uniform",
  progress: (line: string) => void,
): Promise<CostSample[]> {
  const samples: CostSample[] = [];
  for (const { guest, component, input, memoryMb } of subjects) {
    for (const path of paths) {
      progress(`cost: ${guest}, ${path}, first invocation`);
      const engine = createEngine({ meter, pool: { size: 1 } });
      try {
        await engine.warmUp();
        const ext = await engine.load(component, memoryMb ? { limits: { memoryMb } } : {});
        const opts = { guest, path, cpuMillis, input, warmupRuns: 0, runs: 1 };
        samples.push(await measureExhaustion(engine, ext, opts));
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
 * looping hooks the same way; measures CPU time against the budget.
 */
export async function runCostCalibration(options: CostCalibrationOptions = {}): Promise<CostCalibration> {
  const resolved = {
    cpuMillis: options.cpuMillis ?? [5, 50],
    paths: options.paths ?? (["inline", "pool"] as CostPath[]),
    guests: options.guests ?? listCostGuests(),
    runs: options.runs ?? 5,
    warmupRuns: options.warmupRuns ?? 2,
    timeoutMs: options.timeoutMs ?? 60_000,
  };
  const progress = options.progress ?? (() => {});
  const subjects = await corpusSubjects(resolved.guests, options.hooks ?? []);
  const meter = options.meter ?? "block";
  const engine = createEngine({ meter, pool: { size: 1 } });
  try {
    await engine.warmUp();
    const samples = await measureSubjects(engine, subjects, resolved, progress);
    const coldSamples = options.cold
      ? await measureCold(subjects, resolved.paths, resolved.cpuMillis[0] ?? 5, meter, progress)
      : [];
    return {
      samples,
      coldSamples,
      goals: goals(samples, resolved.paths),
      suggestion: suggestWeights(samples),
      meter,
      execArgv: process.execArgv,
    };
  } finally {
    await engine.close();
  }
}
