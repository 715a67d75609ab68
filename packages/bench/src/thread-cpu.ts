import { existsSync, readdirSync, readFileSync } from "node:fs";

/**
 * CPU time per thread, from Linux's /proc/self/task/<tid>/schedstat (the
 * first field: ns the thread ran, exact, not sampled by ticks). Node 20 has
 * no per-thread figure of its own (process.threadCpuUsage came in 23.9), and
 * the process's figure counts V8's background threads (compilation, GC) too.
 */
const TASKS = "/proc/self/task";

/** True when this system gives per-thread CPU times. */
export const HAS_THREAD_CPU: boolean = existsSync(`${TASKS}/${process.pid}/schedstat`);

function readNs(tid: string): number {
  try {
    return Number(readFileSync(`${TASKS}/${tid}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    return 0; // the thread ended between the listing and the read
  }
}

/** CPU time of every thread of this process, ms, by thread id. */
export function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(TASKS)) out.set(tid, readNs(tid) / 1e6);
  return out;
}

/**
 * The CPU time, ms, of the main thread between two {@link threadCpuMs}
 * readings, given the process's CPU time over the same span: the process's
 * minus every other thread's. A running thread's own schedstat lags until the
 * next scheduler tick, but the others are read while idle or nearly so, and
 * the process's figure (getrusage) is exact.
 */
export function mainThreadMs(
  before: Map<string, number>,
  after: Map<string, number>,
  processMs: number,
): number {
  let others = 0;
  for (const [tid, ms] of after) {
    if (tid !== String(process.pid)) others += ms - (before.get(tid) ?? ms);
  }
  return processMs - others;
}

/**
 * The CPU time, ms, of the thread (other than the main one) that ran most
 * between two {@link threadCpuMs} readings: a pool worker's, when one
 * invocation was in flight.
 */
export function busiestOtherThreadMs(before: Map<string, number>, after: Map<string, number>): number {
  let most = 0;
  for (const [tid, ms] of after) {
    if (tid === String(process.pid)) continue;
    most = Math.max(most, ms - (before.get(tid) ?? 0));
  }
  return most;
}
