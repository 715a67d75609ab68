/**
 * Where a pool worker is in its invocation, shared with the pool's thread: the
 * id of the invocation whose guest is running, of the last one whose run
 * ended, and when the running one started (ms since the epoch, from both
 * threads' high-resolution clocks). The pool's deadline timer reads it when it
 * fires, so an invocation's wall-clock limit counts only its guest's run: not
 * the time its message waited while the worker restored a memory, made an
 * instance or collected garbage, nor the time the pool's own thread was too
 * busy to read a result that came in time.
 */
export interface RunClock {
  /** The worker: the guest of invocation `id` starts now. */
  started(id: number): void;
  /** The worker: the run of invocation `id` is over (its result follows). */
  ended(id: number): void;
  /** The pool: where invocation `id` is, and for how long its guest has run. */
  read(id: number): { phase: "waiting" } | { phase: "running"; elapsedMs: number } | { phase: "ended" };
}

/** Bytes of the SharedArrayBuffer a {@link RunClock} lives in. */
export const RUN_CLOCK_BYTES = 16;

const now = () => performance.timeOrigin + performance.now();

/** A {@link RunClock} over `buffer` ({@link RUN_CLOCK_BYTES} bytes), the same on both sides. */
export function createRunClock(buffer: SharedArrayBuffer): RunClock {
  const ids = new Int32Array(buffer, 0, 2);
  const since = new Float64Array(buffer, 8, 1);
  return {
    started(id) {
      since[0] = now();
      // The store after the time: a reader that sees the id sees its start time.
      Atomics.store(ids, 0, id);
    },
    ended(id) {
      Atomics.store(ids, 1, id);
      Atomics.store(ids, 0, 0);
    },
    read(id) {
      if (Atomics.load(ids, 1) === id) return { phase: "ended" };
      if (Atomics.load(ids, 0) !== id) return { phase: "waiting" };
      return { phase: "running", elapsedMs: now() - (since[0] as number) };
    },
  };
}
