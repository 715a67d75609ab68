import { ExtensionError } from "@ameide-ext/contract";
import type { ModuleRef } from "./module-ref.js";

/** Options of one fetch. */
export interface FetchModuleOptions {
  /** Largest module accepted, in bytes; a larger one is refused without reading it all (`invalid_argument/module_size`). */
  maxBytes: number;
  /** Aborts the fetch. */
  signal?: AbortSignal | undefined;
}

/**
 * Where compiled modules live (spec 479 §3.5): a local folder by default,
 * S3 / MinIO for real. A store only fetches bytes; the runtime verifies the
 * checksum and the contract.
 */
export interface ModuleStore {
  /** The schemes this store reads. */
  readonly schemes: ReadonlyArray<ModuleRef["scheme"]>;
  /**
   * Fetches a module's bytes. Throws an ExtensionError: `unavailable/store_unavailable`
   * when the store cannot be reached or lacks the object, `invalid_argument/module_size`
   * when it is too large, `permission_denied` when the ref points outside what the
   * store may read.
   */
  fetch(ref: ModuleRef, options: FetchModuleOptions): Promise<Uint8Array>;
  /** Releases connections. */
  close?(): void;
}

/** `unavailable/store_unavailable` for a ref, with the ref in its details. */
export function storeUnavailable(
  ref: ModuleRef,
  message: string,
  details: Record<string, unknown> = {},
): ExtensionError {
  return new ExtensionError("unavailable", message, "store_unavailable", { ref: ref.ref, ...details });
}

/** `invalid_argument/module_size` for a module over the limit. */
export function moduleTooLarge(ref: ModuleRef, size: number, limit: number): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    `module ${ref.ref} is ${size} bytes, the limit is ${limit} bytes`,
    "module_size",
    { ref: ref.ref, actual: size, limit },
  );
}

/** Routes each ref to the store of its scheme; a scheme without a store is `unavailable/store_unavailable`. */
export function combineModuleStores(stores: ModuleStore[]): ModuleStore {
  const byScheme = new Map<ModuleRef["scheme"], ModuleStore>();
  for (const store of stores)
    for (const scheme of store.schemes) if (!byScheme.has(scheme)) byScheme.set(scheme, store);
  return {
    schemes: [...byScheme.keys()],
    fetch(ref, options) {
      const store = byScheme.get(ref.scheme);
      if (!store)
        return Promise.reject(storeUnavailable(ref, `no module store is configured for ${ref.scheme} refs`));
      return store.fetch(ref, options);
    },
    close() {
      for (const store of stores) store.close?.();
    },
  };
}
