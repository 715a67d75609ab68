/** A bounded least-recently-used cache. */
export interface ModuleCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  readonly size: number;
  /** Count of lookups that missed. */
  readonly misses: number;
}

/** Creates an LRU cache holding at most `capacity` entries (at least 1); `onEvict` hears of each entry it drops. */
export function createModuleCache<V>(
  capacity: number,
  onEvict?: (key: string, value: V) => void,
): ModuleCache<V> {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`cache capacity is ${capacity}, it must be at least 1`);
  const map = new Map<string, V>();
  let misses = 0;
  /** The most recently used key: reading it again leaves the order as it is, with no delete and set. */
  let newest: string | undefined;
  return {
    get(key) {
      const v = map.get(key);
      if (v === undefined) {
        misses++;
        return undefined;
      }
      if (key !== newest) {
        map.delete(key);
        map.set(key, v);
        newest = key;
      }
      return v;
    },
    set(key, value) {
      map.delete(key);
      map.set(key, value);
      newest = key;
      while (map.size > capacity) {
        const oldest = map.keys().next().value as string;
        const value = map.get(oldest) as V;
        map.delete(oldest);
        onEvict?.(oldest, value);
      }
    },
    delete(key) {
      map.delete(key);
      if (key === newest) newest = undefined;
    },
    get size() {
      return map.size;
    },
    get misses() {
      return misses;
    },
  };
}
