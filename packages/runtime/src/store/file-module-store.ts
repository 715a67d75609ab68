import { open } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import type { ModuleRef } from "./module-ref.js";
import { type ModuleStore, moduleTooLarge, storeUnavailable } from "./module-store.js";

/** Options of {@link createFileModuleStore}. */
export interface FileModuleStoreOptions {
  /**
   * The folder modules live in. Relative refs resolve against it, and when it
   * is set a `file://` ref must point inside it (`permission_denied`
   * otherwise). Unset: relative refs are refused and `file://` refs may point
   * anywhere, which suits a developer's machine only.
   */
  root?: string | undefined;
}

/** The embedded default store: modules in a local folder (`file://` and root-relative refs). */
export function createFileModuleStore(options: FileModuleStoreOptions = {}): ModuleStore {
  const root = options.root === undefined ? undefined : resolve(options.root);
  const locate = (ref: Extract<ModuleRef, { scheme: "file" }>): string => {
    if (!isAbsolute(ref.path)) {
      if (root === undefined)
        throw new ExtensionError(
          "failed_precondition",
          `module ref ${ref.ref} is relative, and no store root is configured (runtime.store.root or AMEIDE_STORE_ROOT)`,
          "store_unavailable",
          { ref: ref.ref },
        );
      return resolve(root, ref.path);
    }
    const path = resolve(ref.path);
    if (root !== undefined) {
      const rel = relative(root, path);
      if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel))
        throw new ExtensionError(
          "permission_denied",
          `module ref ${ref.ref} points outside the store root ${root}`,
          "store_unavailable",
          { ref: ref.ref, root },
        );
    }
    return path;
  };
  return {
    schemes: ["file"],
    async fetch(ref, { maxBytes }) {
      if (ref.scheme !== "file") throw storeUnavailable(ref, `the file store cannot read ${ref.ref}`);
      const path = locate(ref);
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(path, "r");
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code ?? "EIO";
        throw storeUnavailable(ref, `module ${ref.ref} cannot be read: ${code}`, { errno: code });
      }
      try {
        const { size } = await handle.stat();
        if (size > maxBytes) throw moduleTooLarge(ref, size, maxBytes);
        const bytes = new Uint8Array(size);
        let read = 0;
        while (read < size) {
          const r = await handle.read(bytes, read, size - read, read);
          if (r.bytesRead === 0) break;
          read += r.bytesRead;
        }
        return read === size ? bytes : bytes.subarray(0, read);
      } finally {
        await handle.close();
      }
    },
  };
}
