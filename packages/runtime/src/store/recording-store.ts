import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { ExtensionError } from "@ameide-ext/contract";

/**
 * Where recorded invocations are written and read back (docs/runtime-service.md,
 * "Recordings"): the write side of the module store's bucket, a folder or S3.
 * Keys are `recordings/<tenant>/<extension>/<version>/<time>-<id>.json`, checked
 * by the caller (parseRecordingKey) before they reach a store.
 */
export interface RecordingStore {
  /** Where it writes, for the log: a folder or `s3://bucket/prefix`. */
  readonly location: string;
  /** Writes one recording. Throws `unavailable / store_unavailable` when the store cannot be written. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /**
   * Keys under `prefix` (a folder of keys, ending in "/"), ascending; only those whose name
   * (the part after the last "/") is at least `from`, and at most `limit` of them.
   */
  list(prefix: string, options: { from?: string | undefined; limit: number }): Promise<string[]>;
  /** One recording's bytes; undefined when there is none under `key`. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Releases connections. */
  close?(): void;
  /**
   * Writes it takes at once (default 1): more where a write waits on the network (an S3 PUT), so its
   * latency does not bound the recordings written per second to one over it.
   */
  readonly writers?: number;
}

/** Options of {@link createFileRecordingStore}. */
export interface FileRecordingStoreOptions {
  /** The folder keys resolve against (the file store's root by default). */
  root: string;
}

function unavailable(location: string, cause: unknown): ExtensionError {
  const code = (cause as NodeJS.ErrnoException).code ?? "EIO";
  return new ExtensionError(
    "unavailable",
    `the recording store ${location} cannot be used: ${code}`,
    "store_unavailable",
    { location, errno: code },
  );
}

/** Folders a file store remembers having made (one per tenant, extension and version): past it, it forgets them all. */
const MADE_FOLDERS_KEPT = 10_000;

/** Recordings in a local folder: `<root>/recordings/…`, each written to a temporary file and renamed. */
export function createFileRecordingStore(options: FileRecordingStoreOptions): RecordingStore {
  const root = resolve(options.root);
  let written = 0;
  /** Folders this store made: a write into one skips its mkdir (one fs round trip fewer a recording). */
  const made = new Set<string>();
  const makeFolder = async (folder: string) => {
    await mkdir(folder, { recursive: true });
    if (made.size >= MADE_FOLDERS_KEPT) made.clear();
    made.add(folder);
  };
  return {
    location: root,
    async put(key, bytes) {
      const path = join(root, key);
      const folder = dirname(path);
      const tmp = `${path}.${process.pid}.${++written}.tmp`;
      try {
        if (!made.has(folder)) await makeFolder(folder);
        try {
          await writeFile(tmp, bytes);
        } catch (cause) {
          // The folder was removed since this store made it: made again, once.
          if ((cause as NodeJS.ErrnoException).code !== "ENOENT") throw cause;
          await makeFolder(folder);
          await writeFile(tmp, bytes);
        }
        await rename(tmp, path);
      } catch (cause) {
        made.delete(folder);
        // A write that failed after its temporary file was made (the rename refused) leaves no file behind.
        await rm(tmp, { force: true }).catch(() => undefined);
        throw unavailable(root, cause);
      }
    },
    async list(prefix, { from, limit }) {
      const found: string[] = [];
      const walk = async (rel: string) => {
        let names: string[];
        try {
          names = (await readdir(join(root, rel), { withFileTypes: true }))
            .filter((d) => d.isDirectory() || d.name.endsWith(".json"))
            .map((d) => (d.isDirectory() ? `${d.name}/` : d.name));
        } catch (cause) {
          if ((cause as NodeJS.ErrnoException).code === "ENOENT") return;
          throw unavailable(root, cause);
        }
        for (const name of names.sort()) {
          if (name.endsWith("/")) await walk(`${rel}${name}`);
          else if (from === undefined || name >= from) found.push(`${rel}${name}`);
        }
      };
      await walk(prefix);
      return found.sort(byName).slice(0, limit);
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(join(root, key)));
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw unavailable(root, cause);
      }
    },
  };
}

/** Orders keys by their file name (time first), then by key: the oldest recordings of every version first. */
export function byName(a: string, b: string): number {
  const na = a.slice(a.lastIndexOf("/") + 1);
  const nb = b.slice(b.lastIndexOf("/") + 1);
  return na < nb ? -1 : na > nb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
