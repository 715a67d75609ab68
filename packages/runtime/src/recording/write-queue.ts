/**
 * The recordings' writes: a queue, oldest first, with up to `writers` of them
 * in flight at once (RecordingStore.writers). A flush waits for what was
 * queued before it, never for what comes after; `abandon` gives up on all
 * that is left, queued or in flight, and a write that ends after it is told so.
 */

/** One write as it runs: `abandoned` turns true when the queue gave up on it (it must then count nothing). */
export interface WriteTicket {
  readonly abandoned: boolean;
}

export interface WriteQueue<T> {
  /** Writes waiting to start. */
  readonly queued: number;
  /** Queues `item`; writes start on a later microtask (the caller does no write work). */
  push(item: T): void;
  /** Resolves once every item pushed before it has been written (or has failed, or was abandoned). */
  flush(): Promise<void>;
  /** Gives up on every item queued or in flight and resolves the flushes waiting; returns how many. */
  abandon(): number;
}

/** A queue whose writes run `write(item, ticket)`, at most `writers` at once. */
export function createWriteQueue<T>(
  writers: number,
  write: (item: T, ticket: WriteTicket) => Promise<void>,
): WriteQueue<T> {
  const queue: Array<{ item: T; seq: number }> = [];
  const inFlight = new Set<{ abandoned: boolean; seq: number }>();
  const waiting: Array<{ upTo: number; resolve: () => void }> = [];
  /** The last `seq` given: items are numbered in the order pushed. */
  let pushed = 0;
  let scheduled = false;

  /** The `seq` of the oldest item still queued or in flight; Infinity when none. */
  const oldestPending = (): number => {
    let oldest = queue[0]?.seq ?? Number.POSITIVE_INFINITY;
    for (const ticket of inFlight) if (ticket.seq < oldest) oldest = ticket.seq;
    return oldest;
  };
  /** Resolves the flushes whose items are all done: items pushed since never hold a flush. */
  const wake = () => {
    if (waiting.length === 0) return;
    const oldest = oldestPending();
    for (let i = waiting.length - 1; i >= 0; i--) {
      const w = waiting[i] as { upTo: number; resolve: () => void };
      if (w.upTo < oldest) {
        waiting.splice(i, 1);
        w.resolve();
      }
    }
  };
  /** Starts writes, oldest first, while fewer than `writers` are in flight. */
  const pump = () => {
    scheduled = false;
    while (inFlight.size < writers && queue.length > 0) {
      const next = queue.shift() as { item: T; seq: number };
      const ticket = { abandoned: false, seq: next.seq };
      inFlight.add(ticket);
      void write(next.item, ticket).finally(() => {
        inFlight.delete(ticket);
        pump();
      });
    }
    wake();
  };

  return {
    get queued() {
      return queue.length;
    },
    push(item) {
      queue.push({ item, seq: ++pushed });
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(pump);
      }
    },
    async flush() {
      const upTo = pushed;
      if (oldestPending() > upTo) return;
      await new Promise<void>((resolve) => waiting.push({ upTo, resolve }));
    },
    abandon() {
      const left = queue.splice(0).length + inFlight.size;
      for (const ticket of inFlight) ticket.abandoned = true;
      inFlight.clear();
      for (const w of waiting.splice(0)) w.resolve();
      return left;
    },
  };
}
