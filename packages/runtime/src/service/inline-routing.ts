import { openSync, readSync } from "node:fs";
import { performance } from "node:perf_hooks";

// Which low-tier invocations try the inline slice on the service's own thread (runtime.inline_slice_us):
// not a version that outran the slice lately, and none while that thread is busy.

/**
 * A clock of the time this thread spent waiting for a CPU while it could
 * run (preempted), in milliseconds: the second field of Linux's
 * /proc/thread-self/schedstat, read with one pread (~1 µs). Where that file
 * cannot be read (another OS), it stays at 0, so nothing is discounted.
 * The file is opened by the thread that creates the clock, and describes it.
 */
export function createRunQueueClock(): () => number {
  let fd: number;
  try {
    fd = openSync("/proc/thread-self/schedstat", "r");
  } catch {
    return () => 0;
  }
  const buf = Buffer.alloc(128);
  return () => {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } catch {
      return 0;
    }
    // "<on-CPU ns> <waiting ns> <timeslices>\n": the second number, read in place (no string made).
    let i = 0;
    while (i < n && buf[i] !== 0x20) i++;
    let waited = 0;
    for (i++; i < n; i++) {
      const c = buf[i] as number;
      if (c < 0x30 || c > 0x39) break;
      waited = waited * 10 + (c - 0x30);
    }
    return waited / 1e6;
  };
}

/**
 * A reading of `clock` to start a window from, taken anew only when the last
 * one is older than `maxAgeMs`: the kernel makes the schedstat text at each
 * read (~4 µs in a busy service), and a batch starts an inline try every
 * ~0.15 ms. A reused reading makes the window start up to `maxAgeMs` early,
 * so a wait just before it may be taken off an overrun: at most that much.
 */
export function createWindowStart(clock: () => number, maxAgeMs: number): () => number {
  let value = 0;
  let at = Number.NEGATIVE_INFINITY;
  return () => {
    const now = performance.now();
    if (now - at > maxAgeMs) {
      value = clock();
      at = now;
    }
    return value;
  };
}

/** How long an extension version that outran the inline slice goes straight to the pool. */
export const SLOW_FOR_MS = 60_000;

/**
 * Wall time an inline run may take over its slice (the slice is fuel, so CPU, and the run also pays for
 * the instance reset) before it counts as an overrun.
 */
export const INLINE_TOLERANCE_MS = 2;

/**
 * An overrun by more than this routes its version to the pool at once. A smaller one may be a GC pause,
 * or the OS taking the thread away, landing in a microsecond-long run (a trivial guest under bursts on a
 * loaded 2-core machine was measured at 3-12 ms a few times per burst), so it routes only on the second
 * among the version's last {@link OVERRUN_WINDOW} inline runs.
 */
export const GROSS_OVERRUN_MS = 20;
const OVERRUN_WINDOW = 3;
const OVERRUN_STRIKES = 2;

/** What one inline run's wall time says about its version. */
export type OverrunVerdict = "within" | "overran" | "route";

/**
 * Judges inline runs by wall time against a slice of `sliceUs` of CPU: fuel is not time (an instruction
 * cheap in fuel and slow, a large memory reset), so a version whose runs take longer than the slice goes
 * to the pool like one that ran out of the slice's fuel: "route" at once for a gross overrun, or for the
 * second overrun among its last three runs; "overran" for a first small one; "within" otherwise.
 * `offCpuMs`: how much of that wall time the thread waited for a CPU (createRunQueueClock), which is
 * not counted: that time is the OS's (the thread preempted on a loaded machine), and one preemption must
 * not send a version to the pool for a minute. GC pauses are on the CPU, and still count.
 */
export function createOverrunJudge(sliceUs: number) {
  const limitMs = sliceUs / 1000 + INLINE_TOLERANCE_MS;
  // The last OVERRUN_WINDOW inline runs of each version with a recent overrun, one bit each (1: overran).
  const history = new Map<string, number>();
  const mask = (1 << OVERRUN_WINDOW) - 1;
  return {
    judge(key: string, wallMs: number, offCpuMs = 0): OverrunVerdict {
      const onCpuMs = wallMs - Math.max(0, offCpuMs);
      const overran = onCpuMs > limitMs;
      const bits = (((history.get(key) ?? 0) << 1) | (overran ? 1 : 0)) & mask;
      if (bits === 0) history.delete(key);
      else history.set(key, bits);
      if (!overran) return "within";
      let strikes = 0;
      for (let b = bits; b !== 0; b &= b - 1) strikes++;
      if (onCpuMs > limitMs + GROSS_OVERRUN_MS || strikes >= OVERRUN_STRIKES) {
        history.delete(key);
        return "route";
      }
      return "overran";
    },
    /** True when `wallMs` is over the limit before any time off the CPU is taken off (worth reading that time). */
    over: (wallMs: number) => wallMs > limitMs,
    prune(keep: (key: string) => boolean): void {
      for (const key of history.keys()) if (!keep(key)) history.delete(key);
    },
  };
}

/** Extension versions that outran the inline slice, each until its time is up. */
export function createSlowSet(forMs: number) {
  const until = new Map<string, number>();
  return {
    isSlow(key: string): boolean {
      const t = until.get(key);
      if (t === undefined) return false;
      if (performance.now() < t) return true;
      until.delete(key);
      return false;
    },
    mark(key: string): void {
      until.set(key, performance.now() + forMs);
    },
    prune(keep: (key: string) => boolean): void {
      for (const key of until.keys()) if (!keep(key)) until.delete(key);
    },
  };
}

/** How often the service's thread load is sampled, and above which utilisation it counts as busy. */
const LOAD_WINDOW_MS = 100;
const BUSY_UTILISATION = 0.75;

/**
 * Whether the service's own thread is busy: its event loop was more than
 * {@link BUSY_UTILISATION} utilised over the last {@link LOAD_WINDOW_MS}.
 * Under load, low-tier invocations skip the inline slice and go to the pool,
 * whose workers run on the other cores, instead of queueing on this thread.
 */
export function watchThreadLoad() {
  let last = performance.eventLoopUtilization();
  const state = {
    busy: false,
    stop() {
      clearInterval(timer);
    },
  };
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    state.busy = performance.eventLoopUtilization(now, last).utilization > BUSY_UTILISATION;
    last = now;
  }, LOAD_WINDOW_MS);
  timer.unref();
  return state;
}
