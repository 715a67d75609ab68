import { createHash } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { type Catalog, parseCatalog } from "./parse-catalog.js";

/** Options of {@link watchCatalogFile}. */
export interface WatchCatalogFileOptions {
  /** The catalog file. */
  path: string;
  /** The hash of the catalog in force, so an unchanged file is not reloaded. */
  currentHash: string;
  /** Quiet time after the last change before the file is read, in milliseconds. Default 200. */
  debounceMs?: number;
  /** Also re-read the file this often, in case a change event was missed (0: never). Default 10,000. */
  pollMs?: number;
  /** Checks a parsed catalog against what the runtime allows; what it throws goes to `onInvalid`. Default: none. */
  check?: ((catalog: Catalog) => void) | undefined;
  /** Called with each new valid catalog. */
  onCatalog: (catalog: Catalog) => void;
  /** Called when the file changed but is not a valid catalog; the previous catalog stays in force. */
  onInvalid: (error: ExtensionError) => void;
}

/** A running watch. */
export interface CatalogWatch {
  /** Reads the file now (after any pending debounce), as a change event would. Resolves when done. */
  check(): Promise<void>;
  /** Stops watching. */
  close(): void;
}

/**
 * Hot-reloads a catalog file. It watches the file's folder, not the file, so
 * the atomic symlink swap by which Kubernetes updates a mounted ConfigMap is
 * seen too. After a change it waits for `debounceMs` of quiet, reads the file,
 * and compares its sha256 with the catalog in force: the same content does
 * nothing, a valid new catalog goes to `onCatalog`, an invalid one to
 * `onInvalid` and changes nothing.
 */
export function watchCatalogFile(options: WatchCatalogFileOptions): CatalogWatch {
  const { path, onCatalog, onInvalid } = options;
  const debounceMs = options.debounceMs ?? 200;
  const pollMs = options.pollMs ?? 10_000;
  let currentHash = options.currentHash;
  let lastInvalidHash: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const load = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (cause) {
      onInvalid(
        new ExtensionError(
          "unavailable",
          `catalog ${path} cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"}); the previous catalog stays in force`,
          "invalid_manifest",
          { source: path },
        ),
      );
      return;
    }
    const hash = createHash("sha256").update(text).digest("hex");
    if (hash === currentHash || hash === lastInvalidHash) return;
    let catalog: Catalog;
    try {
      catalog = parseCatalog(text, { source: path });
      options.check?.(catalog);
    } catch (cause) {
      lastInvalidHash = hash;
      onInvalid(ExtensionError.from(cause));
      return;
    }
    currentHash = hash;
    lastInvalidHash = undefined;
    onCatalog(catalog);
  };

  const run = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = load().finally(() => {
      running = undefined;
      if (again && !closed) {
        again = false;
        void run();
      }
    });
    return running;
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), debounceMs);
    timer.unref();
  };

  const name = basename(path);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      // ConfigMap mounts swap a "..data" symlink; editors rename temp files. Any of these may be our change.
      if (file === null || file === name || String(file).startsWith("..")) schedule();
      else if (String(file).includes(name)) schedule();
    });
    watcher.on("error", () => undefined);
  } catch {
    watcher = undefined;
  }
  const poll = pollMs > 0 ? setInterval(() => void run(), pollMs) : undefined;
  poll?.unref();

  return {
    check() {
      clearTimeout(timer);
      return run();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
