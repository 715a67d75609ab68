/** A bounded map of settled answers and in-flight calls, by key; the least recently used is evicted first. */
export interface IdempotencyCache<T> {
  /**
   * The answer for `key`: the one already settled or in flight, else `run()`'s,
   * kept when `keep(error)` says a failure is an answer too (a business error),
   * dropped when it is a failure a retry should try again.
   */
  get(key: string, run: () => Promise<T>, keep: (error: unknown) => boolean): Promise<T>;
  /** Keys held, in-flight ones included. */
  readonly size: number;
}

/** A cache of at most `capacity` answers; 0 turns it off (each call runs). */
export function createIdempotencyCache<T>(capacity: number): IdempotencyCache<T> {
  const entries = new Map<string, Promise<T>>();
  return {
    get(key, run, keep) {
      const held = entries.get(key);
      if (held !== undefined) {
        entries.delete(key);
        entries.set(key, held);
        return held;
      }
      const answer = run();
      if (capacity === 0) return answer;
      entries.set(key, answer);
      if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
      answer.catch((error: unknown) => {
        if (!keep(error) && entries.get(key) === answer) entries.delete(key);
      });
      return answer;
    },
    get size() {
      return entries.size;
    },
  };
}
