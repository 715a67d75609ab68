import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

/**
 * Where the compile worker puts modules: the write side of the runtime's
 * module store (spec 479 §3.5). `put` returns the `wasm_blob_ref` location,
 * without its `#sha256=` fragment.
 */
export interface ModuleWriter {
  /** Stores `bytes` at `key` (`extensions/<tenant>/<extension>/<version>.wasm`) and returns its ref. */
  put(key: string, bytes: Uint8Array): Promise<string>;
}

/**
 * The embedded default: modules under a local folder, the runtime's file
 * store root. The ref is the key itself, relative to that root, so a runtime
 * whose `runtime.store.root` (or AMEIDE_STORE_ROOT) is the same folder reads
 * it. Writes are atomic (temp file, then rename).
 */
export function createFolderModuleWriter(root: string): ModuleWriter {
  const base = resolve(root);
  return {
    async put(key, bytes) {
      const file = join(base, ...key.split("/"));
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, file);
      return key;
    },
  };
}

/** The key of a module in the store: `extensions/<tenant>/<extension>/<version>.wasm`. */
export function moduleKey(tenantId: string, extensionId: string, version: string): string {
  return `extensions/${tenantId}/${extensionId}/${version}.wasm`;
}
