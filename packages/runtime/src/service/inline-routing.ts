import { performance } from "node:perf_hooks";

// Which low-tier invocations try the inline slice on the service's own thread (runtime.inline_slice_us):
// not a version that outran the slice lately, and none while that thread is busy.

/** How long an extension version that outran the inline slice goes straight to the pool. */
export const SLOW_FOR_MS = 60_000;

/**
 * Wall time an inline run may take over its slice (the slice is fuel, so CPU, and the run also pays for
 * the instance reset and the odd GC pause) before it counts as an overrun.
 */
export const INLINE_TOLERANCE_MS = 2;

/**
 * Whether an inline run that took `wallMs` overran a slice of `sliceUs` of CPU: then, whatever the reason
 * (an instruction that is cheap in fuel and slow in time, a large memory reset), its version goes to the
 * pool like one that ran out of the slice's fuel.
 */
export function overranSlice(wallMs: number, sliceUs: number): boolean {
  return wallMs > sliceUs / 1000 + INLINE_TOLERANCE_MS;
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
