import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";

/** Where a command writes: stdout (data) or stderr (diagnostics). */
export interface OutputStream {
  /** Writes text as is (no newline added). */
  write(text: string): void;
  /** True when the stream is a terminal. */
  readonly isTTY: boolean;
  /** Columns of the terminal; undefined when not a terminal. */
  readonly columns: number | undefined;
  /** The Node stream behind it, for the interactive (ink) view; undefined in tests. */
  readonly stream?: NodeJS.WriteStream | undefined;
}

/** The file system operations the CLI uses, so tests can replace them. */
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
 * Every side effect of the CLI: streams, files, environment, clock. The
 * commands and the API functions take these, so tests and agents can run
 * them in-process with fakes.
 */
export interface CliDeps {
  /** Data: JSON documents, outputs, results. */
  stdout: OutputStream;
  /** Diagnostics: progress, warnings, errors. */
  stderr: OutputStream;
  /** Reads all of stdin (for `--input -`). */
  readStdin(): Promise<string>;
  /** Environment variables (AMEIDE_ACTOR, NO_COLOR…). */
  env: Readonly<Record<string, string | undefined>>;
  /** Absolute working directory; relative paths resolve against it. */
  cwd: string;
  /** A monotonic clock in milliseconds. */
  now(): number;
  /** The operating-system user name, for `created_by` (`user:<name>`). */
  username(): string;
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

function streamOf(stream: NodeJS.WriteStream): OutputStream {
  return {
    write: (text) => {
      stream.write(text);
    },
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.isTTY ? stream.columns : undefined;
    },
    stream,
  };
}

/** The real side effects: process streams, node:fs, process.env, performance.now. */
export function createNodeDeps(): CliDeps {
  return {
    stdout: streamOf(process.stdout),
    stderr: streamOf(process.stderr),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    cwd: process.cwd(),
    now: () => performance.now(),
    username: () => {
      try {
        return userInfo().username;
      } catch {
        return process.env.USER ?? process.env.USERNAME ?? "unknown";
      }
    },
    fs: createNodeFs(),
  };
}
