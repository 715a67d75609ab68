import {
  type Engine,
  ExtensionError,
  type InvocationResult,
  type LoadedExtension,
} from "@ameide-ext/runtime";
import { median } from "./median.js";
import { busiestOtherThreadMs, HAS_THREAD_CPU, mainThreadMs, threadCpuMs } from "./thread-cpu.js";

/** Where an invocation runs: on this thread (`engine.invokeInline`) or in the worker pool (`engine.invoke`). */
export type CostPath = "inline" | "pool";

/** The CPU time a guest used against what its fuel promised. */
export interface CostSample {
  /** The guest (a corpus file name, or a looping hook). */
  guest: string;
  path: CostPath;
  /** The invocation's `cpu_millis`. */
  cpuMillis: number;
  /** Fuel one invocation used. */
  fuel: number;
  /** Median CPU time of one invocation, ms: the thread's that ran it (see thread-cpu.ts). */
  cpuMs: number;
  /** Largest CPU time of one invocation, ms. */
  maxCpuMs: number;
  /** Median wall-clock time, ms. */
  wallMs: number;
  /** cpuMs ÷ cpuMillis: at most 1.0 is the goal. */
  ratio: number;
  /** Timed invocations. */
  runs: number;
  /** How the invocations ended: "fuel", or another reason (e.g. "timeout", "worker_lost") when fuel did not stop them first. */
  ending: string;
}

/** Options of {@link measureExhaustion}. */
export interface MeasureExhaustionOptions {
  guest: string;
  path: CostPath;
  cpuMillis: number;
  /** The input JSON. Default "null". */
  input?: string;
  /** The wall-clock limit, ms. Default 60,000: fuel, not the clock, should end these runs. */
  timeoutMs?: number;
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
  timeoutMs = 60_000,
): InvocationResult | Promise<InvocationResult> {
  const request = { input, limits: { cpuMillis, timeoutMs } };
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
    const { value: r, cpuMs } = await timed(path, () =>
      invoke(engine, ext, path, options.input ?? "null", cpuMillis, options.timeoutMs),
    );
    if (r.outcome !== "technical_error") {
      throw new ExtensionError(
        "internal",
        `${options.guest} (${path}) should end on fuel, it ended ${r.outcome}`,
      );
    }
    // Another ending (a time-out, a lost worker) is kept: what fuel failed to bound.
    const ending = r.error?.reason ?? r.error?.code ?? "unknown";
    return { cpuMs, wallMs: performance.now() - wallFrom, fuel: r.stats.fuelUsed, ending };
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
    ending: runs.find((r) => r.ending !== "fuel")?.ending ?? "fuel",
  };
}
