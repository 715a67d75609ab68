import {
  type Engine,
  ExtensionError,
  FUEL_PER_CPU_MILLI,
  type InvocationResult,
  type LoadedExtension,
} from "@ameide-ext/runtime";
import { median } from "./median.js";
import { busiestOtherThreadMs, HAS_THREAD_CPU, mainThreadMs, threadCpuMs } from "./thread-cpu.js";

/** Where an invocation runs: on this thread (`engine.invokeInline`) or in the worker pool (`engine.invoke`). */
export type CostPath = "inline" | "pool";

/** The CPU time a guest used against what its fuel promised. */
export interface CostSample {
  /** The guest (a corpus file name, or a hook). */
  guest: string;
  path: CostPath;
  /** The `cpu_millis` the fuel stood for: the limit for corpus guests, fuel ÷ FUEL_PER_CPU_MILLI for hooks. */
  cpuMillis: number;
  /** Fuel one invocation used. */
  fuel: number;
  /** Median CPU time of one invocation, ms: the thread's that ran it (see thread-cpu.ts). */
  cpuMs: number;
  /** Largest CPU time of one invocation, ms; for a hook, its whole invocation's (median, the baseline not subtracted). */
  maxCpuMs: number;
  /** Median wall-clock time, ms. */
  wallMs: number;
  /** cpuMs ÷ cpuMillis: at most 1.0 is the goal. */
  ratio: number;
  /** Timed invocations (batches, for hooks). */
  runs: number;
}

/** Options of {@link measureExhaustion}. */
export interface MeasureExhaustionOptions {
  guest: string;
  path: CostPath;
  cpuMillis: number;
  /** Untimed invocations first (V8 tier-up, pool warm-up). */
  warmupRuns: number;
  runs: number;
}

/** The process's CPU time (user + system) in ms since `from`. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

/**
 * Runs `fn` and measures the CPU time of the thread that ran the guest: this
 * one inline, the busiest other thread (the pool's worker) in the pool. Without
 * per-thread figures, the process's (an upper bound).
 */
async function timed<T>(path: CostPath, fn: () => T | Promise<T>): Promise<{ value: T; cpuMs: number }> {
  if (!HAS_THREAD_CPU) {
    const from = process.cpuUsage();
    const value = await fn();
    return { value, cpuMs: cpuSince(from) };
  }
  if (path === "inline") {
    const before = threadCpuMs();
    const from = process.cpuUsage();
    const value = await fn();
    const processMs = cpuSince(from);
    return { value, cpuMs: mainThreadMs(before, threadCpuMs(), processMs) };
  }
  const before = threadCpuMs();
  const value = await fn();
  return { value, cpuMs: busiestOtherThreadMs(before, threadCpuMs()) };
}

function invoke(
  engine: Engine,
  ext: LoadedExtension,
  path: CostPath,
  input: string,
  cpuMillis: number,
): InvocationResult | Promise<InvocationResult> {
  // The largest wall-clock limit: fuel, not the clock, must end these runs.
  const request = { input, limits: { cpuMillis, timeoutMs: 60_000 } };
  return path === "inline" ? engine.invokeInline(ext, request) : engine.invoke(ext, request);
}

/**
 * Runs a corpus guest (it loops until its fuel runs out) with `cpuMillis`,
 * and measures each invocation's CPU time: the calling thread's inline, the
 * worker's in the pool (one invocation in flight), the engine's own work on
 * that thread (restore, instantiation after a trap) included.
 */
export async function measureExhaustion(
  engine: Engine,
  ext: LoadedExtension,
  options: MeasureExhaustionOptions,
): Promise<CostSample> {
  const { path, cpuMillis } = options;
  const once = async () => {
    const wallFrom = performance.now();
    const { value: r, cpuMs } = await timed(path, () => invoke(engine, ext, path, "null", cpuMillis));
    if (r.outcome !== "technical_error" || r.error?.reason !== "fuel") {
      throw new ExtensionError(
        "internal",
        `${options.guest} (${path}) should end on fuel, it ended ${r.outcome} ${JSON.stringify(r.error ?? r.output)}`,
      );
    }
    return { cpuMs, wallMs: performance.now() - wallFrom, fuel: r.stats.fuelUsed };
  };
  for (let i = 0; i < options.warmupRuns; i++) await once();
  const runs = [];
  for (let i = 0; i < options.runs; i++) runs.push(await once());
  const cpuMs = median(runs.map((r) => r.cpuMs));
  return {
    guest: options.guest,
    path,
    cpuMillis,
    fuel: runs[0]?.fuel ?? 0,
    cpuMs,
    maxCpuMs: Math.max(...runs.map((r) => r.cpuMs)),
    wallMs: median(runs.map((r) => r.wallMs)),
    ratio: cpuMs / cpuMillis,
    runs: options.runs,
  };
}

/** Options of {@link measureHookCost}. */
export interface MeasureHookOptions {
  guest: string;
  path: CostPath;
  input: string;
  /** Untimed batches first. */
  warmupBatches: number;
  /** Timed batches. */
  batches: number;
  /** Invocations per batch (one at a time). */
  batchSize: number;
}

/** CPU ms (median over batches) and fuel of one invocation of `ext`. */
async function perInvocation(
  engine: Engine,
  ext: LoadedExtension,
  options: MeasureHookOptions,
): Promise<{ cpuMs: number; wallMs: number; fuel: number }> {
  let fuel = 0;
  const calls = async () => {
    for (let i = 0; i < options.batchSize; i++) {
      const r = await invoke(engine, ext, options.path, options.input, 10_000);
      if (r.outcome !== "ok") {
        throw new ExtensionError("internal", `${options.guest} failed: ${JSON.stringify(r.error)}`);
      }
      fuel = r.stats.fuelUsed;
    }
  };
  const batch = async () => {
    const wallFrom = performance.now();
    const { cpuMs } = await timed(options.path, calls);
    return { cpuMs: cpuMs / options.batchSize, wallMs: (performance.now() - wallFrom) / options.batchSize };
  };
  for (let i = 0; i < options.warmupBatches; i++) await batch();
  const runs = [];
  for (let i = 0; i < options.batches; i++) runs.push(await batch());
  return { cpuMs: median(runs.map((r) => r.cpuMs)), wallMs: median(runs.map((r) => r.wallMs)), fuel };
}

/**
 * A hook that finishes well within its budget: the CPU time of its own code
 * against the `cpu_millis` its fuel stands for. Both are measured over
 * batches, and the baseline's (an echo guest of the same kind: the engine's
 * fixed work per invocation, restore and copies, which fuel does not count)
 * subtracted: (CPU − baseline CPU) ÷ ((fuel − baseline fuel) ÷ FUEL_PER_CPU_MILLI).
 */
export async function measureHookCost(
  engine: Engine,
  ext: LoadedExtension,
  baseline: LoadedExtension,
  options: MeasureHookOptions,
): Promise<CostSample> {
  const base = await perInvocation(engine, baseline, { ...options, input: "{}" });
  const hook = await perInvocation(engine, ext, options);
  const cpuMillis = (hook.fuel - base.fuel) / FUEL_PER_CPU_MILLI;
  const cpuMs = hook.cpuMs - base.cpuMs;
  return {
    guest: options.guest,
    path: options.path,
    cpuMillis,
    fuel: hook.fuel - base.fuel,
    cpuMs,
    maxCpuMs: hook.cpuMs,
    wallMs: hook.wallMs,
    ratio: cpuMs / cpuMillis,
    runs: options.batches,
  };
}
