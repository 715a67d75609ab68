import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/** The file system operations the toolkit uses, so tests can replace them. */
export interface HookFs {
  /** Reads a UTF-8 file; rejects with the Node error (code ENOENT…) when it cannot. */
  readText(file: string): Promise<string>;
  /** Reads a file's bytes. */
  readBytes(file: string): Promise<Uint8Array>;
  /** Writes a file (text or bytes), creating its folder; atomic (write then rename). */
  writeFile(file: string, data: string | Uint8Array): Promise<void>;
  /** Creates a folder and its parents. */
  mkdir(dir: string): Promise<void>;
  /** Names in a folder; rejects when it is not a folder. */
  readdir(dir: string): Promise<string[]>;
  /** What is at a path: "file", "dir", or undefined when nothing is. */
  kind(file: string): Promise<"file" | "dir" | undefined>;
}

/**
 * The side effects the toolkit's functions take (build, test, run): files, the
 * working directory, the clock, stdin. The CLI's deps extend these with its
 * streams and environment; the registry's compile child passes the real ones
 * with the hook's scratch folder as `cwd`.
 */
export interface ToolkitDeps {
  /** Absolute working directory; relative paths resolve against it. */
  cwd: string;
  /** A monotonic clock in milliseconds. */
  now(): number;
  /** Reads all of stdin (for `--input -`). */
  readStdin(): Promise<string>;
  /** The file system. */
  fs: HookFs;
}

/** The file system of this machine (node:fs). */
export function createNodeFs(): HookFs {
  return {
    readText: (file) => readFile(file, "utf8"),
    readBytes: async (file) => new Uint8Array(await readFile(file)),
    async writeFile(file, data) {
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, data);
      await rename(tmp, file);
    },
    mkdir: async (dir) => {
      await mkdir(dir, { recursive: true });
    },
    readdir: (dir) => readdir(dir),
    kind: (file) =>
      stat(file).then(
        (s) => (s.isDirectory() ? "dir" : "file"),
        () => undefined,
      ),
  };
}

/** The real side effects: node:fs, process.stdin, performance.now, and `cwd` (default: the process's). */
export function createNodeToolkitDeps(cwd: string = process.cwd()): ToolkitDeps {
  return {
    cwd,
    now: () => performance.now(),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString("utf8");
    },
    fs: createNodeFs(),
  };
}
