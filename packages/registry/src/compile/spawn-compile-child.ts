import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CompileChildMessage, RESULT_FD } from "./compile-child-message.js";

/** Options of {@link spawnCompileChild}. */
export interface CompileChildOptions {
  /** The hook's folder, inside the compile's scratch folder: the child's cwd and argument. */
  dir: string;
  /** Wall-clock limit of the child, ms; it is killed at the limit (`compile_timeout`). */
  timeoutMs: number;
  /** Largest result the child may send, bytes; it is killed past it (`compile_output_too_large`). */
  maxOutputBytes: number;
  /** Cancels the compile: the child is killed at once (`compile_cancelled`), e.g. when the registry shuts down. */
  signal?: AbortSignal | undefined;
  /** Test support: another entry module, and its arguments after `dir`. Default the compile child. */
  entry?: { file: string; args: readonly string[] } | undefined;
}

/** Why a compile child gave no result, as a diagnostic reason. */
export type CompileChildFailure =
  | "compile_timeout"
  | "compile_output_too_large"
  | "compile_crashed"
  | "compile_cancelled";

/** What a compile child ended with: its message, or why there is none. */
export type CompileChildOutcome =
  | { t: "message"; message: CompileChildMessage }
  | { t: "failed"; reason: CompileChildFailure; message: string };

const here = import.meta.url;
const sourceMode = here.endsWith(".ts");
const CHILD = fileURLToPath(new URL(sourceMode ? "./compile-child.ts" : "./compile-child.js", here));
/**
 * Test support, from the sources only: the toolkit's loader of our .ts files, the one the CLI's
 * child processes use too (the compile child runs the toolkit's sources).
 */
const sourceLoader = () =>
  join(
    dirname(createRequire(here).resolve("@ameide-ext/toolkit/package.json")),
    "src/testing/register-source-loader.mjs",
  );
/** How much of the child's stderr a crash report keeps (the end of it). */
const STDERR_TAIL_BYTES = 2048;

/**
 * Runs the compile in a child process of its own (issue #10): `node` with an
 * empty environment (no registry secret, no S3 keys, no database URL), the
 * hook's scratch folder as its cwd, no file descriptors but stdio and the
 * result pipe. The child is killed at `timeoutMs` or when its result passes
 * `maxOutputBytes`, or when `signal` aborts. Resolves, never rejects.
 */
export function spawnCompileChild(options: CompileChildOptions): Promise<CompileChildOutcome> {
  const entry = options.entry ?? { file: CHILD, args: [] };
  const child = spawn(process.execPath, [...nodeFlags(), entry.file, options.dir, ...entry.args], {
    cwd: options.dir,
    env: {},
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = "";
    let failure: { reason: CompileChildFailure; message: string } | undefined;
    const stop = (reason: CompileChildFailure, message: string) => {
      failure ??= { reason, message };
      child.kill("SIGKILL");
    };
    const timer = setTimeout(
      () =>
        stop("compile_timeout", `the compile ran past its limit of ${options.timeoutMs} ms and was stopped`),
      options.timeoutMs,
    );
    const cancel = () =>
      stop("compile_cancelled", "the compile was cancelled (the registry is shutting down)");
    if (options.signal?.aborted) cancel();
    options.signal?.addEventListener("abort", cancel, { once: true });
    child.stdio[RESULT_FD]?.on("data", (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (bytes > options.maxOutputBytes)
        stop(
          "compile_output_too_large",
          `the compile's result passed ${options.maxOutputBytes} bytes, the limit, and the compile was stopped`,
        );
      else chunks.push(chunk);
    });
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL_BYTES);
    });
    child.on("error", (cause) => stop("compile_crashed", `the compile process failed: ${cause.message}`));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", cancel);
      if (failure !== undefined) return resolve({ t: "failed", ...failure });
      try {
        if (code !== 0) throw new Error(`it exited with ${signal ?? `code ${code}`}`);
        resolve({ t: "message", message: parseMessage(Buffer.concat(chunks).toString("utf8")) });
      } catch (cause) {
        const why = cause instanceof Error ? cause.message : String(cause);
        resolve({
          t: "failed",
          reason: "compile_crashed",
          message: `the compile process gave no result: ${why}${stderr === "" ? "" : `\n${stderr}`}`,
        });
      }
    });
  });
}

/**
 * The child's node flags. From the sources (tests), a loader strips our
 * TypeScript and `--conditions=source` resolves workspace packages to theirs
 * (tsx's loader would break componentize-qjs); the V8 flag the runtime needs
 * (extended constants, for QuickJS) it sets itself, and jco's preopens too.
 */
function nodeFlags(): string[] {
  return sourceMode ? ["--conditions=source", "--import", sourceLoader()] : [];
}

/** The child's one document, checked for its kind (the probe of the tests sends its own). */
function parseMessage(text: string): CompileChildMessage {
  const message = JSON.parse(text) as { t?: unknown };
  if (typeof message !== "object" || message === null || typeof message.t !== "string")
    throw new Error("its result is not a compile message");
  return message as CompileChildMessage;
}
