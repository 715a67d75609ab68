import { createModuleCache } from "./module-cache.js";

/** How many evicted keys a thread remembers, per entry its instance cache holds. */
const REMEMBERED_PER_ENTRY = 16;

/** The keys a thread's instance cache evicted: an instance made again for one is paid for by its run. */
export interface EvictedKeys {
  /** Remembers that the cache dropped `key`'s instance. */
  add(key: string): void;
  /** True when `key`'s instance was evicted before (and forgets it: the instance is being made again). */
  take(key: string): boolean;
}

/**
 * Remembers the most recent keys an instance cache of `cacheEntries` evicted
 * (bounded, least recent forgotten first), so that an instance made again for
 * one is charged as a new instance (see createInstance's `remade`).
 */
export function createEvictedKeys(cacheEntries: number): EvictedKeys {
  const keys = createModuleCache<true>(cacheEntries * REMEMBERED_PER_ENTRY);
  return {
    add(key) {
      keys.set(key, true);
    },
    take(key) {
      const seen = keys.get(key) === true;
      keys.delete(key);
      return seen;
    },
  };
}
