import { ExtensionError } from "@ameide-ext/contract";
import { type Context, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { Engine, LoadedExtension } from "../engine/create-engine.js";
import { createModuleCache } from "../engine/load/module-cache.js";
import type { ModuleStore } from "../store/module-store.js";
import { SPAN_NAMES } from "./invocation-tracing.js";

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
  /** Traces each cache miss as a child span of the invocation that missed. Default: no spans. */
  tracer?: Tracer | undefined;
}

/** Turns catalog entries into loaded extensions, through a bounded cache. */
export interface ExtensionLoader {
  /** The loaded extension, when the cache holds it: the hot path, which never touches the store. */
  peek(entry: CatalogEntry): LoadedExtension | undefined;
  /**
   * Fetches, verifies (the ref's sha256, through engine.load) and compiles the
   * entry's module, once however many callers ask at the same time. Failures
   * are not cached: the next call tries again. With a tracer, the fetch is a
   * span under `trace` (the context of the invocation that missed first).
   */
  load(entry: CatalogEntry, trace?: Context): Promise<LoadedExtension>;
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
  const { engine, store, onColdFetch, tracer } = options;
  const capacity = options.capacity ?? 256;
  const cache = createModuleCache<LoadedExtension>(capacity);
  const pending = new Map<string, Promise<LoadedExtension>>();
  // The tenant too: each load has its own instances, so tenants sharing a module never share its state.
  const keyOf = (entry: CatalogEntry) => `${entry.tenantId}\n${entry.ref.ref}\n${entry.limits.memoryMb}`;

  const fetchAndLoad = async (entry: CatalogEntry, trace: Context | undefined): Promise<LoadedExtension> => {
    const started = performance.now();
    const span =
      tracer && trace
        ? tracer.startSpan(
            SPAN_NAMES.moduleFetch,
            { attributes: { "ameide.module_ref": entry.ref.ref, "ameide.module_scheme": entry.ref.scheme } },
            trace,
          )
        : undefined;
    try {
      const bytes = await store.fetch(entry.ref, { maxBytes: engine.sizeLimits.moduleBytes });
      span?.setAttribute("ameide.module_bytes", bytes.byteLength);
      const ext = await engine.load(bytes, { sha256: entry.ref.sha256, limits: entry.limits });
      onColdFetch?.({ entry, durationMs: performance.now() - started });
      return ext;
    } catch (cause) {
      const error = ExtensionError.from(cause);
      span?.setAttributes({ "ameide.error_code": error.code, "ameide.error_reason": error.reason ?? "" });
      span?.setStatus({ code: SpanStatusCode.ERROR, message: `${error.code}/${error.reason ?? ""}` });
      onColdFetch?.({ entry, durationMs: performance.now() - started, error });
      throw error;
    } finally {
      span?.end();
    }
  };

  return {
    peek(entry) {
      return cache.get(keyOf(entry));
    },
    load(entry, trace) {
      const key = keyOf(entry);
      const hit = cache.get(key);
      if (hit) return Promise.resolve(hit);
      let p = pending.get(key);
      if (!p) {
        p = fetchAndLoad(entry, trace).then(
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
