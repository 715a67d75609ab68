import { Worker } from "node:worker_threads";
import { ExtensionError } from "@ameide-ext/contract";
import type { GuestSnapshot } from "../instance/instance-lifecycle.js";
import { workerExecArgv, workerScript } from "../pool/worker-script.js";
import type { CompiledExtension, CompileOptions } from "./compile-extension.js";
import type { LoadJob, LoadReply } from "./load-protocol.js";

/** Longest a load may take in the load worker by default: instrument, compile and start, in milliseconds. */
export const LOAD_TIMEOUT_MS = 10_000;
/** The load worker's JavaScript heap by default, in MiB (a TypeScript hook's load uses about 100). */
export const LOAD_HEAP_MB = 512;
/** Longest the load worker may take to boot (load its code), in milliseconds: not counted against a load's limit. */
const BOOT_LIMIT_MS = 30_000;

/** Options of {@link createLoadThread}. */
export interface LoadThreadOptions {
  /** Longest one load may take, in milliseconds; past it the worker is stopped. Default {@link LOAD_TIMEOUT_MS}. */
  timeoutMs?: number | undefined;
  /** The worker's JavaScript heap (`maxOldGenerationSizeMb`), in MiB. Default {@link LOAD_HEAP_MB}. */
  heapMb?: number | undefined;
}

/** What one load in the worker made. */
export interface ThreadLoad {
  compiled: CompiledExtension;
  /** The first instance's snapshot, when later instances can be made from it (see GuestInstance.snapshot). */
  snapshot: GuestSnapshot | undefined;
  /** How long the first instantiation took in the worker, in milliseconds. */
  warmMs: number;
}

/** A worker thread that does loads, one at a time, so none of their work lands on the caller's thread. */
export interface LoadThread {
  /**
   * Verifies, checks, instruments, compiles and instantiates once in the
   * worker. Rejects with the load's own refusal, or `invalid_argument /
   * load_timeout` when it outran the time limit, `resource_exhausted /
   * memory` when it outgrew the worker's heap (the worker is then replaced).
   */
  load(bytes: Uint8Array, options: Omit<CompileOptions, "linkedModules">): Promise<ThreadLoad>;
  /** Stops the worker. */
  close(): Promise<void>;
}

interface Pending {
  job: LoadJob;
  resolve: (load: ThreadLoad) => void;
  reject: (error: ExtensionError) => void;
}

/**
 * Creates the load thread. The worker starts on the first load and is kept,
 * with its cache of metered linked modules, until a load outruns its limit
 * or its heap, or close().
 */
export function createLoadThread(options: LoadThreadOptions = {}): LoadThread {
  const timeoutMs = options.timeoutMs ?? LOAD_TIMEOUT_MS;
  const heapMb = options.heapMb ?? LOAD_HEAP_MB;
  const queue: Pending[] = [];
  let worker: Worker | undefined;
  /** False until the worker has loaded its code: boot time does not count against a load. */
  let ready = false;
  let current: Pending | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ids = 0;

  const settle = () => {
    clearTimeout(timer);
    timer = undefined;
    const done = current;
    current = undefined;
    return done;
  };
  /** Ends the current load with `error` and replaces the worker (the next load starts a new one). */
  const fail = (error: ExtensionError) => {
    const w = worker;
    worker = undefined;
    void w?.terminate();
    settle()?.reject(error);
    next();
  };
  const onReply = (reply: LoadReply | { ready: true }) => {
    if ("ready" in reply) {
      ready = true;
      clearTimeout(timer);
      return start();
    }
    const done = settle();
    if (!done) return;
    if ("error" in reply) done.reject(ExtensionError.from(reply.error));
    else done.resolve({ compiled: reply.compiled, snapshot: reply.snapshot, warmMs: reply.warmMs });
    next();
  };
  const spawn = (): Worker => {
    const { script, eval: isEval } = workerScript(new URL("./load-entry", import.meta.url));
    const w = new Worker(script, {
      eval: isEval,
      execArgv: workerExecArgv(),
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    w.unref();
    w.on("message", onReply);
    w.on("error", (e: Error & { code?: string }) => {
      if (w !== worker) return;
      const oom = e.code === "ERR_WORKER_OUT_OF_MEMORY";
      fail(
        new ExtensionError(
          oom ? "resource_exhausted" : "internal",
          oom
            ? `loading the module outgrew the load worker's heap of ${heapMb} MiB`
            : `the load worker failed: ${e.message}`,
          oom ? "memory" : "compile_error",
        ),
      );
    });
    w.on("exit", () => {
      if (w === worker) fail(new ExtensionError("internal", "the load worker exited", "compile_error"));
    });
    return w;
  };
  const next = () => {
    if (current || queue.length === 0) return;
    current = queue.shift() as Pending;
    if (worker) return start();
    ready = false;
    worker = spawn();
    timer = setTimeout(
      () => fail(new ExtensionError("unavailable", "the load worker did not start", "compile_error")),
      BOOT_LIMIT_MS,
    );
  };
  /** Posts the current load once the worker is ready, and starts its clock. */
  const start = () => {
    if (!current || !worker || !ready) return;
    timer = setTimeout(() => fail(timedOut(timeoutMs)), timeoutMs);
    worker.postMessage(current.job);
  };

  return {
    load(bytes, opts) {
      return new Promise<ThreadLoad>((resolve, reject) => {
        queue.push({ job: { id: ++ids, bytes, options: opts }, resolve, reject });
        next();
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      clearTimeout(timer);
      const closed = new ExtensionError("unavailable", "the engine is closed", "shutting_down");
      for (const p of queue.splice(0)) p.reject(closed);
      settle()?.reject(closed);
      await w?.terminate();
    },
  };
}

function timedOut(limitMs: number): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    `loading the module (instrument, compile, start function) took longer than ${limitMs} ms`,
    "load_timeout",
    { limitMs },
  );
}
