import { ExtensionError } from "@ameide-ext/contract";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { Engine, LoadedExtension } from "../engine/create-engine.js";
import { createModuleCache } from "../engine/load/module-cache.js";
import type { ModuleStore } from "../store/module-store.js";

/** What happened on one cache miss. */
export interface ColdFetch {
  entry: CatalogEntry;
  durationMs: number;
  /** Undefined when the module was fetched, verified and compiled. */
  error?: ExtensionError;
}

/** Options of {@link createExtensionLoader}. */
export interface ExtensionLoaderOptions {
  engine: Engine;
  store: ModuleStore;
  /** Loaded extensions kept, least recently used evicted. Default 256; at least 1. */
  capacity?: number;
  /** Called after every cache miss, whether the fetch worked or not. */
  onColdFetch?: (fetch: ColdFetch) => void;
}

/** Turns catalog entries into loaded extensions, through a bounded cache. */
export interface ExtensionLoader {
  /** The loaded extension, when the cache holds it: the hot path, which never touches the store. */
  peek(entry: CatalogEntry): LoadedExtension | undefined;
  /**
   * Fetches, verifies (the ref's sha256, through engine.load) and compiles the
   * entry's module, once however many callers ask at the same time. Failures
   * are not cached: the next call tries again.
   */
  load(entry: CatalogEntry): Promise<LoadedExtension>;
  /** Loaded extensions held. */
  readonly size: number;
}

/**
 * Creates the loader. Its cache is keyed by tenant, `wasm_blob_ref` (which
 * carries the checksum) and the memory cap: the ref and the cap are what a
 * compiled module depends on, so a new version or a changed ref is a new key
 * and a catalog reload needs no invalidation; the tenant, because each load
 * has its own guest instances, and one tenant's must never be another's. CPU
 * and time limits are applied per invocation.
 */
export function createExtensionLoader(options: ExtensionLoaderOptions): ExtensionLoader {
  const { engine, store, onColdFetch } = options;
  const capacity = options.capacity ?? 256;
  const cache = createModuleCache<LoadedExtension>(capacity);
  const pending = new Map<string, Promise<LoadedExtension>>();
  // The tenant too: each load has its own instances, so tenants sharing a module never share its state.
  const keyOf = (entry: CatalogEntry) => `${entry.tenantId}\n${entry.ref.ref}\n${entry.limits.memoryMb}`;

  const fetchAndLoad = async (entry: CatalogEntry): Promise<LoadedExtension> => {
    const started = performance.now();
    try {
      const bytes = await store.fetch(entry.ref, { maxBytes: engine.sizeLimits.moduleBytes });
      const ext = await engine.load(bytes, { sha256: entry.ref.sha256, limits: entry.limits });
      onColdFetch?.({ entry, durationMs: performance.now() - started });
      return ext;
    } catch (cause) {
      const error = ExtensionError.from(cause);
      onColdFetch?.({ entry, durationMs: performance.now() - started, error });
      throw error;
    }
  };

  return {
    peek(entry) {
      return cache.get(keyOf(entry));
    },
    load(entry) {
      const key = keyOf(entry);
      const hit = cache.get(key);
      if (hit) return Promise.resolve(hit);
      let p = pending.get(key);
      if (!p) {
        p = fetchAndLoad(entry).then(
          (ext) => {
            pending.delete(key);
            cache.set(key, ext);
            return ext;
          },
          (error: unknown) => {
            pending.delete(key);
            throw error;
          },
        );
        pending.set(key, p);
      }
      return p;
    },
    get size() {
      return cache.size;
    },
  };
}
