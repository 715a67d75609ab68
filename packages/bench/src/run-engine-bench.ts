import { availableParallelism } from "node:os";
import { createEngine, ExtensionError, FUEL_PER_CPU_MILLI } from "@ameide-ext/runtime";
import {
  buildDealHook,
  buildDealLoopHooks,
  buildHook,
  type DealHookBuild,
  ECHO_TS_HOOK_ENTRY,
} from "./build-deal-hook.js";
import { type CostModelComparison, compareCostModel } from "./compare-cost-model.js";
import { compareMetering, type MeterComparison } from "./compare-metering.js";
import { DEAL_INPUT, DEAL_OUTPUT, dealApproval } from "./deal-approval.js";
import { engineBenchGoals, type GoalResult } from "./goals.js";
import { type MachineInfo, machineInfo } from "./machine-info.js";
import { measurePool, type PoolMeasurement } from "./measure-pool.js";
import { measureSync, measureThroughput, type SyncMeasurement } from "./measure-sync.js";
import { type CostCalibration, runCostCalibration } from "./run-cost-calibration.js";
import { FIB_GUEST_WAT, FIB_N, LOOP_GUEST_WAT, LOOP_ITERATIONS } from "./wat-guests.js";

/** Time budgets of one run. The defaults ({@link DEFAULT_BUDGETS}) keep a run near 35 s on a 2-core machine. */
export interface EngineBenchBudgets {
  /** Warm-up of the inline path and of the plain JS function, each, ms. */
  syncWarmupMs: number;
  /** Timing of the inline path and of the plain JS function, each, ms. */
  syncTimeMs: number;
  /** Batched single-thread throughput of the inline path, ms. */
  throughputMs: number;
  /** Warm-up of the worker-pool path (worker boot included), ms. */
  poolWarmupMs: number;
  /** Timing of the worker-pool path, pool-size invocations in flight, ms. */
  poolTimeMs: number;
  /** Warm-up of the worker-pool path with one invocation in flight (workers already warm), ms. */
  poolSerialWarmupMs: number;
  /** Timing of the worker-pool path with one invocation in flight, ms. */
  poolSerialTimeMs: number;
  /** Untimed runs of each long guest on each engine first. */
  longWarmupRuns: number;
  /** Timed runs (interleaved pairs) of each long guest. */
  longRuns: number;
}

/** The default budgets. */
export const DEFAULT_BUDGETS: Readonly<EngineBenchBudgets> = Object.freeze({
  syncWarmupMs: 1000,
  syncTimeMs: 3000,
  throughputMs: 2000,
  poolWarmupMs: 2000,
  poolTimeMs: 3000,
  poolSerialWarmupMs: 500,
  poolSerialTimeMs: 2000,
  longWarmupRuns: 5,
  longRuns: 15,
});

/** The worker pool's size: the engine's default, the machine's parallelism, at most 4. */
export const POOL_SIZE = Math.min(4, availableParallelism());

/** The version of {@link EngineBenchResults}' shape, as written to the JSON. */
export const RESULTS_SCHEMA = "ameide-ext/bench-engine@1";

/** Everything one run measured; the JSON file holds exactly this. Times in µs unless a name says ms or s. */
export interface EngineBenchResults {
  /** {@link RESULTS_SCHEMA}. */
  schema: string;
  /** The command that reproduces the run. */
  command: string;
  /** ISO time the run started. */
  startedAt: string;
  /** The machine, and its load when the run started. */
  machine: MachineInfo;
  /** How each figure was measured, by figure. */
  method: Record<string, string>;
  /** The deal-approval rule: the AS hook inline and in the worker pool, and plain JS. */
  dealApproval: {
    /** Size of the input JSON, bytes. */
    inputBytes: number;
    /** The output every path gave (checked before timing). */
    output: string;
    /** Fuel one invocation of the AS hook uses. */
    fuelPerInvocation: number;
    /** The built hook: sizes and build time (ms). */
    hook: { componentBytes: number; coreBytes: number; buildMs: number };
    /** engine.invokeInline: pristine state per call, fuel metered, limits enforced. */
    inline: SyncMeasurement & { throughputPerSec: number };
    /** engine.invoke: the worker pool, as many invocations in flight as it has workers. */
    pool: PoolMeasurement & { poolSize: number };
    /** engine.invoke with one invocation in flight: the round trip to a worker, with no contention. */
    poolSerial: PoolMeasurement & { poolSize: number };
    /** The same rule as a plain JS function: no sandbox at all. */
    plainJs: SyncMeasurement;
    /** AS inline over plain JS. */
    ratioInlineToPlainJs: { p50: number; mean: number };
    /** The same rule as a TypeScript hook (buildTypeScript: QuickJS, a linked component of 13 core modules). */
    typescript: TypeScriptDealFigures;
  };
  /** Fuel metering's cost: the same module on a metered and an unmetered engine. */
  fuelOverhead: {
    loopHeavy: MeterComparison & { iterations: number; fuelPerIteration: number };
    callHeavy: MeterComparison & { fibN: number };
  };
  /** The cost model against the metering before it (meter "uniform"): AS and TS deal rules, same process. */
  costModel: CostModelComparison[];
  /** The per-guest cost table: CPU time of each corpus guest against its cpu_millis (npm run calibrate:cost, shortened). */
  cost: CostCalibration;
  /** Fuel per CPU millisecond, from the loop-heavy guest's metered runs, and the constant in force. */
  calibration: { fuelPerMs: number; fuelPerMsMedian: number; currentFuelPerCpuMilli: number; source: string };
  /** The goals and whether this run met them. */
  goals: GoalResult[];
  /** Wall-clock time of the whole run, s. */
  durationSec: number;
}

/** The TypeScript deal-approval hook's figures. */
export interface TypeScriptDealFigures {
  /** Fuel one invocation uses. */
  fuelPerInvocation: number;
  /** The built hook: component size, the JavaScript bundle's size, build time (ms, in the child). */
  hook: { componentBytes: number; bundleBytes: number; buildMs: number };
  /**
   * engine.load times, ms, on a new engine of this process: the deal hook
   * first (the engine meters and compiles all 13 core modules), then a
   * different TypeScript hook (the metered QuickJS module comes from the
   * engine's cache).
   */
  load: { firstMs: number; secondMs: number };
  /** engine.invokeInline, as for the AS hook. */
  inline: SyncMeasurement;
  /** engine.invoke, pool-size invocations in flight. */
  pool: PoolMeasurement & { poolSize: number };
  /** engine.invoke, one invocation in flight. */
  poolSerial: PoolMeasurement & { poolSize: number };
  /** TS inline over AS inline, in the same run. */
  ratioInlineToAsInline: { p50: number; mean: number };
  /** TS inline over plain JS, in the same run. */
  ratioInlineToPlainJs: { p50: number; mean: number };
}

/** Options of {@link runEngineBench}. */
export interface RunEngineBenchOptions {
  /** Time budgets; defaults in {@link DEFAULT_BUDGETS}. */
  budgets?: Partial<EngineBenchBudgets>;
  /** Progress lines (diagnostics, not data). Default: none. */
  progress?: (line: string) => void;
}

const METHOD: Record<string, string> = {
  inline:
    "tinybench, one engine.invokeInline per sample timed with process.hrtime; the timer's own measured overhead is subtracted from each sample; p50/p99 from the sorted samples, after a warm-up",
  inlineThroughput: "batches of 1000 back-to-back invokeInline calls, no timer inside a batch, one thread",
  pool: "closed loop: `concurrency` callers (the pool size, then 1) each await one engine.invoke after another; each round trip timed with process.hrtime into an HDR histogram (3 significant digits); throughput = completed / wall time, after a warm-up that boots the workers",
  plainJs: "tinybench, as for inline: JSON.parse, the rule, JSON.stringify",
  typescript:
    "the same rule as a TypeScript hook built by buildTypeScript in a child process, on an engine of its own; inline and pool timed exactly as the AS hook",
  typescriptLoad:
    "performance.now around engine.load on a new engine (in a process that has already loaded the AS hook, so jco is warm): the deal hook first, then a different TypeScript hook (an echo), whose QuickJS module the engine has metered already",
  fuelOverhead:
    "the same component loaded in createEngine({ meter: 'block' }) and createEngine({ meter: 'none' }); warm-up runs on each, then timed runs in interleaved pairs (alternating which engine goes first), each a whole invokeInline timed with performance.now; ratio = median over the pairs of metered / unmetered; best-of ratio = fastest metered / fastest unmetered",
  costModel:
    "the hook loaded on createEngine({ meter: 'uniform' }) (the metering before the cost model) and on the product's engine, each with a pool of one worker; interleaved rounds (alternating which goes first) of a batch on each: 2000 back-to-back invokeInline, then 200 engine.invoke one in flight; µs per call = batch time / batch size; ratio = median over the rounds of cost model / uniform",
  cost: "runCostCalibration (npm run calibrate:cost) with cpu_millis 5, 5 timed runs after 2 untimed, inline and in a pool of one worker: the CPU time of the thread that ran each invocation (Linux schedstat), against cpu_millis; the deal rules run in a loop until their fuel runs out, as the corpus guests do",
  calibration:
    "fuel used by one metered run of the loop-heavy guest / the fastest metered run's time (other processes only ever add time); the median-based figure is given too",
};

/**
 * Runs the engine benchmark: the deal-approval rule as an AssemblyScript hook
 * and as a TypeScript hook (inline and worker pool, and the TypeScript hook's
 * load times) and as plain JS, fuel metering's overhead on a
 * loop-heavy and a call-heavy guest, and the fuel calibration. Throws an
 * ExtensionError when a guest gives a wrong answer.
 */
export async function runEngineBench(options: RunEngineBenchOptions = {}): Promise<EngineBenchResults> {
  const b: EngineBenchBudgets = { ...DEFAULT_BUDGETS, ...options.budgets };
  const progress = options.progress ?? (() => {});
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const machine = machineInfo();

  progress("building the deal-approval hook (AssemblyScript, asc -O3 + jco, in a child process)…");
  const hook = await buildDealHook();
  progress(
    "building the deal-approval hook and an echo hook in TypeScript (buildTypeScript, in child processes)…",
  );
  const tsHook = await buildDealHook("typescript");
  const tsEcho = await buildHook("typescript", ECHO_TS_HOOK_ENTRY);
  progress("building the deal rule in a loop, AS and TS, for the cost table (in child processes)…");
  const loopHooks = await buildDealLoopHooks();

  const asDeal = await measureAsHook(hook, b, progress);
  const deal: EngineBenchResults["dealApproval"] = {
    ...asDeal,
    typescript: await measureTypeScriptHook(tsHook, tsEcho.component, asDeal, b, progress),
  };
  const fuelOverhead = await measureFuelOverhead(b, progress);

  progress("cost model vs the metering before it (meter uniform): AS and TS deal rules, interleaved…");
  const costModel = [
    await compareCostModel({
      hook: "AS hook",
      component: hook.component,
      input: DEAL_INPUT,
      output: DEAL_OUTPUT,
    }),
    await compareCostModel({
      hook: "TS hook",
      component: tsHook.component,
      input: DEAL_INPUT,
      output: DEAL_OUTPUT,
    }),
  ];
  const cost = await runCostCalibration({
    cpuMillis: [5],
    runs: 5,
    warmupRuns: 2,
    hooks: loopHooks.map((h) => ({ ...h, input: DEAL_INPUT, memoryMb: 1024 })),
    progress,
  });

  const calibration = {
    fuelPerMs: fuelOverhead.loopHeavy.fuelPerMs,
    fuelPerMsMedian: fuelOverhead.loopHeavy.fuelPerMsMedian,
    currentFuelPerCpuMilli: FUEL_PER_CPU_MILLI,
    source: "loop-heavy guest, metered, fastest of the timed runs",
  };
  return {
    schema: RESULTS_SCHEMA,
    command: "npm run bench",
    startedAt,
    machine,
    method: METHOD,
    dealApproval: deal,
    fuelOverhead,
    costModel,
    cost,
    calibration,
    goals: engineBenchGoals({ dealApproval: deal, fuelOverhead, costModel, cost }),
    durationSec: (performance.now() - started) / 1000,
  };
}

/**
 * The AssemblyScript deal hook on an engine of its own: the output check
 * (the hook's and the plain JS rule's), plain JS latency, inline latency and
 * throughput, and worker-pool latency with pool-size and with one invocation
 * in flight.
 */
async function measureAsHook(
  hook: DealHookBuild,
  b: EngineBenchBudgets,
  progress: (line: string) => void,
): Promise<Omit<EngineBenchResults["dealApproval"], "typescript">> {
  const engine = createEngine({ pool: { size: POOL_SIZE } });
  try {
    const ext = await engine.load(hook.component);
    const request = { input: DEAL_INPUT };
    const check = engine.invokeInline(ext, request);
    if (check.output !== DEAL_OUTPUT) {
      throw new ExtensionError(
        "internal",
        `the hook answered ${JSON.stringify(check.output ?? check.error ?? check.businessError)}, expected ${DEAL_OUTPUT}`,
      );
    }
    const plainOutput = dealApproval(DEAL_INPUT);
    if (plainOutput !== DEAL_OUTPUT) {
      throw new ExtensionError(
        "internal",
        `the plain JS rule answered ${plainOutput}, expected ${DEAL_OUTPUT}`,
      );
    }
    const sync = { warmupMs: b.syncWarmupMs, timeMs: b.syncTimeMs };

    progress("timing the plain JS rule…");
    const plainJs = await measureSync("plain JS", () => dealApproval(DEAL_INPUT), sync);
    progress("timing the AS hook inline (engine.invokeInline)…");
    const inlineLatency = await measureSync("AS inline", () => engine.invokeInline(ext, request), sync);
    const inlineThroughput = measureThroughput(() => engine.invokeInline(ext, request), b.throughputMs);
    progress(`timing the AS hook in the worker pool (engine.invoke, ${POOL_SIZE} in flight)…`);
    const pool = await measurePool(engine, ext, request, {
      concurrency: POOL_SIZE,
      warmupMs: b.poolWarmupMs,
      timeMs: b.poolTimeMs,
    });
    progress("timing the AS hook in the worker pool, 1 in flight…");
    const poolSerial = await measurePool(engine, ext, request, {
      concurrency: 1,
      warmupMs: b.poolSerialWarmupMs,
      timeMs: b.poolSerialTimeMs,
    });
    return {
      inputBytes: Buffer.byteLength(DEAL_INPUT),
      output: DEAL_OUTPUT,
      fuelPerInvocation: check.stats.fuelUsed,
      hook: { componentBytes: hook.component.byteLength, coreBytes: hook.coreBytes, buildMs: hook.buildMs },
      inline: { ...inlineLatency, throughputPerSec: inlineThroughput },
      pool: { ...pool, poolSize: POOL_SIZE },
      poolSerial: { ...poolSerial, poolSize: POOL_SIZE },
      plainJs,
      ratioInlineToPlainJs: {
        p50: inlineLatency.p50Us / plainJs.p50Us,
        mean: inlineLatency.meanUs / plainJs.meanUs,
      },
    };
  } finally {
    await engine.close();
  }
}

/** Fuel metering's cost: the loop-heavy and the call-heavy guest on a metered and an unmetered engine. */
async function measureFuelOverhead(
  b: EngineBenchBudgets,
  progress: (line: string) => void,
): Promise<EngineBenchResults["fuelOverhead"]> {
  const metered = createEngine({ meter: "block" });
  const unmetered = createEngine({ meter: "none" });
  try {
    const runs = { metered, unmetered, warmupRuns: b.longWarmupRuns, runs: b.longRuns };
    progress(`fuel overhead: loop-heavy guest, ${LOOP_ITERATIONS} iterations…`);
    const loop = await compareMetering({ ...runs, wat: LOOP_GUEST_WAT, input: String(LOOP_ITERATIONS) });
    progress(`fuel overhead: call-heavy guest, fib(${FIB_N})…`);
    const fib = await compareMetering({ ...runs, wat: FIB_GUEST_WAT, input: String(FIB_N) });
    return {
      loopHeavy: { ...loop, iterations: LOOP_ITERATIONS, fuelPerIteration: loop.fuelUsed / LOOP_ITERATIONS },
      callHeavy: { ...fib, fibN: FIB_N },
    };
  } finally {
    await Promise.all([metered.close(), unmetered.close()]);
  }
}

/**
 * The TypeScript deal hook on an engine of its own: the load times (first,
 * then a different hook with the metered QuickJS module cached), the output
 * check, inline and worker-pool latency, and its ratios to the AS hook and
 * plain JS measured earlier in the same run.
 */
async function measureTypeScriptHook(
  hook: DealHookBuild,
  secondHook: Uint8Array,
  deal: Omit<EngineBenchResults["dealApproval"], "typescript">,
  b: EngineBenchBudgets,
  progress: (line: string) => void,
): Promise<TypeScriptDealFigures> {
  const engine = createEngine({ pool: { size: POOL_SIZE } });
  try {
    progress("loading the TypeScript hooks (first: all 13 modules metered; second: QuickJS from the cache)…");
    let started = performance.now();
    const ext = await engine.load(hook.component);
    const firstMs = performance.now() - started;
    started = performance.now();
    await engine.load(secondHook);
    const secondMs = performance.now() - started;
    const request = { input: DEAL_INPUT };
    const check = engine.invokeInline(ext, request);
    if (check.output !== DEAL_OUTPUT) {
      throw new ExtensionError(
        "internal",
        `the TypeScript hook answered ${JSON.stringify(check.output ?? check.error ?? check.businessError)}, expected ${DEAL_OUTPUT}`,
      );
    }
    progress("timing the TS hook inline (engine.invokeInline)…");
    const inline = await measureSync("TS inline", () => engine.invokeInline(ext, request), {
      warmupMs: b.syncWarmupMs,
      timeMs: b.syncTimeMs,
    });
    progress(`timing the TS hook in the worker pool (engine.invoke, ${POOL_SIZE} in flight)…`);
    const pool = await measurePool(engine, ext, request, {
      concurrency: POOL_SIZE,
      warmupMs: b.poolWarmupMs,
      timeMs: b.poolTimeMs,
    });
    progress("timing the TS hook in the worker pool, 1 in flight…");
    const poolSerial = await measurePool(engine, ext, request, {
      concurrency: 1,
      warmupMs: b.poolSerialWarmupMs,
      timeMs: b.poolSerialTimeMs,
    });
    return {
      fuelPerInvocation: check.stats.fuelUsed,
      hook: { componentBytes: hook.component.byteLength, bundleBytes: hook.coreBytes, buildMs: hook.buildMs },
      load: { firstMs, secondMs },
      inline,
      pool: { ...pool, poolSize: POOL_SIZE },
      poolSerial: { ...poolSerial, poolSize: POOL_SIZE },
      ratioInlineToAsInline: {
        p50: inline.p50Us / deal.inline.p50Us,
        mean: inline.meanUs / deal.inline.meanUs,
      },
      ratioInlineToPlainJs: {
        p50: inline.p50Us / deal.plainJs.p50Us,
        mean: inline.meanUs / deal.plainJs.meanUs,
      },
    };
  } finally {
    await engine.close();
  }
}
