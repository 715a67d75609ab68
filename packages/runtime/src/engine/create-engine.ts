import { DEFAULT_LIMITS, ExtensionError, type ExtensionLimits, type SizeLimits } from "@ameide-ext/contract";
import type { LinkedModule } from "../component/link-component.js";
import type { MeterMode } from "../wasm/instrument-module.js";
import { createInstance } from "./instance/create-instance.js";
import type { GuestInstance, HostCallAnswer } from "./instance/instance-lifecycle.js";
import { makesOnCallerThread } from "./instance/ready-before-run.js";
import { hostErrorPayload } from "./invoke/host-call-gate.js";
import { checkInlineCall, judgeSliced, runInlineBatch } from "./invoke/inline-batch.js";
import { prepareInvocation } from "./invoke/prepare-invocation.js";
import { resolveLimits, resolveSizeLimits } from "./invoke/resolve-limits.js";
import { runPrepared } from "./invoke/run-prepared.js";
import { compileAndWarm } from "./load/compile-and-warm.js";
import {
  type CompiledExtension,
  type CompileOptions,
  LINKED_MODULE_CACHE_ENTRIES,
} from "./load/compile-extension.js";
import { createEvictedKeys } from "./load/evicted-keys.js";
import { instanceFromLoad } from "./load/instance-from-load.js";
import { createLoadThread, type LoadThread, type LoadThreadOptions } from "./load/load-thread.js";
import { createModuleCache } from "./load/module-cache.js";
import { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from "./pool/worker-pool.js";
import type {
  InlineAttempt,
  InlineBatchRequest,
  InlineBatchRun,
  InvocationResult,
  InvokeRequest,
} from "./types.js";

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /** Runtime-wide size limits; defaults in DEFAULT_SIZE_LIMITS. */
  sizeLimits?: Partial<SizeLimits>;
  /** Compiled extensions kept, least recently used evicted. Default 128. */
  cacheEntries?: number;
  /** Fuel metering: "block" (default, the cost model). "none" and "uniform" (the metering before the cost model) exist for benchmarks' baselines only. */
  meter?: MeterMode;
  /** The worker pool behind {@link Engine.invoke}, created on first use. */
  pool?: WorkerPoolOptions;
  /**
   * Where {@link Engine.load} does its work. Unset (the default): on the
   * caller's thread. Set: in a load worker (load-thread.ts), which verifies,
   * checks, instruments, compiles and runs the start function under a time
   * limit (`invalid_argument / load_timeout` past it) and a heap limit, and
   * hands back the compiled module and the snapshot of its first instance:
   * a service sets it, so no load stalls the thread that serves.
   */
  loadThread?: LoadThreadOptions;
}

/** Options of {@link Engine.load}. */
export interface LoadOptions {
  /** Expected sha256 (hex) of the component, e.g. from a `wasm_blob_ref`. */
  sha256?: string;
  /** The extension's limits; defaults in DEFAULT_LIMITS. */
  limits?: Partial<ExtensionLimits>;
}

/** A loaded extension: compiled, metered and checked, with its limits. */
export interface LoadedExtension {
  /** sha256 of the component, hex. */
  readonly sha256: string;
  /** The extension's limits, defaults filled in. */
  readonly limits: ExtensionLimits;
  /** The component's world. */
  readonly wit: string;
  /** Component size in bytes. */
  readonly sizeBytes: number;
  /** @internal */
  readonly compiled: CompiledExtension;
  /**
   * @internal The key of this load's instances, here and in the pool's
   * workers: sha256, memory cap and a number unique to the load, so two
   * loads of the same bytes (two tenants' catalog entries) never share an
   * instance, nor any state an instance could keep.
   */
  readonly key: string;
}

/** The sandboxed engine: load components, run invocations with every limit enforced. */
export interface Engine {
  /**
   * Loads a component: size, sha256, contract, shape caps, metering, memory
   * and table caps, compile, first instantiation; in the load worker when the
   * engine has one (`loadThread`). Throws an ExtensionError (invalid_argument,
   * failed_precondition or resource_exhausted, with a reason, e.g.
   * module_too_complex or load_timeout) when the module is refused.
   */
  load(bytes: Uint8Array, options?: LoadOptions): Promise<LoadedExtension>;
  /**
   * Runs one invocation on this thread: the fastest path. Fuel bounds the
   * work; the time limit is checked after the run. Host calls must be
   * answered synchronously. Throws an ExtensionError only for a bad request
   * (input or limits); guest failures come back as a technical_error result.
   */
  invokeInline(ext: LoadedExtension, request: InvokeRequest): InvocationResult;
  /**
   * Runs one invocation on this thread with at most `fuelSlice` fuel: the
   * fast path for guests that are cheap almost always. Returns `{ ran }`, the
   * result, when the guest finished (or failed) within the slice, with the
   * stats of that run and its real budget as `fuelLimit`; `{ skipped: "slice" }`
   * when the guest used the whole slice without finishing, and the caller then
   * runs it in full, in the pool. Only for requests without a host handler: a
   * guest that can make no host call has no effect but its result, so running
   * it again is safe and gives the same answer. A slice at or above the budget
   * runs the invocation in full, exactly as {@link invokeInline}.
   * `{ skipped: "not_ready" }`, without running, when the guest's instance must
   * first be made by work this thread must not do (makesOnCallerThread: start
   * or initialize functions, a composed guest's after a trap, any first
   * instance on this thread; a large table): not bounded by a slice.
   */
  tryInline(ext: LoadedExtension, request: InvokeRequest, fuelSlice: number): InlineAttempt;
  /**
   * Runs many inputs of one request shape on this thread, each exactly as
   * {@link tryInline} would (its own input check, fuel budget at most
   * `fuelSlice`, time limit, fresh state, result and stats), from `from` on,
   * until `sliceMs` of wall time has passed (at least one input is attempted),
   * the caller's `deadline` has, an input must go to the pool (`skipped`), or
   * one ended with a technical error; the caller then handles the last
   * attempt, yields if it must, and calls again from `next`. An input that is
   * not JSON or over the size cap is `refused` and the others go on. Limits,
   * policy and the instance are resolved once per call: the batch fast path.
   * Throws an ExtensionError only for a bad call (slice, `from`, limits,
   * policy: `invalid_argument/invalid_limits`; a host handler:
   * `failed_precondition`).
   */
  tryInlineBatch(ext: LoadedExtension, request: InlineBatchRequest): InlineBatchRun;
  /**
   * Runs one invocation in the worker pool: a stuck invocation is stopped at
   * its wall-clock limit by terminating its worker, and host calls may be
   * answered asynchronously.
   */
  invoke(ext: LoadedExtension, request: InvokeRequest): Promise<InvocationResult>;
  /** The size limits in force. */
  readonly sizeLimits: Readonly<SizeLimits>;
  /** Cache and pool counters. */
  stats(): { cachedModules: number; cacheMisses: number; workersReplaced: number };
  /** Stops the worker pool. */
  close(): Promise<void>;
  /**
   * @internal Fault injection for tests and the runtime's fault script:
   * terminates one pool worker as a crash would. False when the pool has not
   * started.
   */
  killWorker(): boolean;
  /** Starts the worker pool now and resolves once its workers have booted (the pool otherwise starts on the first invoke). */
  warmUp(): Promise<void>;
}

/** The host-call answer when no handler was given: the same error result the guest gets from the pool. */
function unanswered(service: string): HostCallAnswer {
  return {
    err: hostErrorPayload(
      new ExtensionError("unavailable", `no handler answers host calls to ${service}`, "host_call_failed"),
    ),
  };
}

/**
 * Answers host calls on the caller's thread through the request's handler,
 * which must answer synchronously (`failed_precondition` otherwise: use
 * invoke(), the pool). As in the pool, a missing or failing handler is an
 * error result the guest receives, not the end of the run.
 */
function answerSynchronously(
  request: InvokeRequest,
  timeoutMs: number,
): (service: string, method: string, requestJson: string) => HostCallAnswer {
  const handler = request.hostHandler;
  if (!handler) return unanswered;
  return (service, method, requestJson) => {
    let out: string | Promise<string>;
    try {
      out = handler({ service, method, requestJson, ctx: request.ctx, remainingMs: timeoutMs });
    } catch (cause) {
      return { err: hostErrorPayload(cause) };
    }
    if (typeof out !== "string") {
      throw new ExtensionError(
        "failed_precondition",
        "the host handler answered asynchronously; inline invocations need a synchronous answer (use invoke(), which runs in the worker pool)",
        "host_call_failed",
      );
    }
    return { ok: out };
  };
}

/** The table entries a one-module guest's new instance makes; 0 for a linked one (whose new instance is the pool's anyway). */
function coreTableEntries(compiled: CompiledExtension): number {
  return compiled.kind === "core" ? compiled.tableEntries : 0;
}

/** Creates an {@link Engine}. Options are checked here, once. */
export function createEngine(options: EngineOptions = {}): Engine {
  const sizeLimits = resolveSizeLimits(options.sizeLimits);
  const cacheEntries = options.cacheEntries ?? 128;
  const evicted = createEvictedKeys(cacheEntries);
  const cache = createModuleCache<{ compiled: CompiledExtension; instance: GuestInstance | undefined }>(
    cacheEntries,
    (key, entry) => {
      if (entry.instance !== undefined) evicted.add(key);
    },
  );
  const meter = options.meter ?? "block";
  // Metered core modules of linked components, shared by every load: the QuickJS runtime module
  // is the same in every TypeScript hook, so a second hook does not instrument it again.
  const linkedModules = createModuleCache<LinkedModule>(LINKED_MODULE_CACHE_ENTRIES);
  let pool: WorkerPool | undefined;
  let loadThread: LoadThread | undefined;
  const inWorker = (): LoadThread => {
    loadThread ??= createLoadThread(options.loadThread);
    return loadThread;
  };
  /** Loads so far: each load's instances are its own (see LoadedExtension.key). */
  let loads = 0;

  // Instances run on this thread, to be cleaned (snapshot restored) once the caller has its result.
  const toClean = new Set<GuestInstance>();
  let cleaning: NodeJS.Immediate | undefined;
  const cleanAll = () => {
    cleaning = undefined;
    for (const instance of toClean) instance.clean();
    toClean.clear();
  };
  const cleanLater = (instance: GuestInstance) => {
    toClean.add(instance);
    cleaning ??= setImmediate(cleanAll);
  };
  const runHere = (
    ext: LoadedExtension,
    prep: ReturnType<typeof prepareInvocation>,
    answer: (service: string, method: string, requestJson: string) => HostCallAnswer,
  ) => {
    const instance = instanceOf(ext);
    const result = runPrepared(instance, prep, ext.compiled.memoryLimitBytes, answer);
    cleanLater(instance);
    return result;
  };

  const instanceOf = (ext: LoadedExtension) => {
    let entry = cache.get(ext.key);
    if (!entry) {
      entry = { compiled: ext.compiled, instance: undefined };
      cache.set(ext.key, entry);
    }
    entry.instance ??= createInstance(entry.compiled, evicted.take(ext.key));
    return entry.instance;
  };

  return {
    sizeLimits,
    async load(bytes, opts = {}) {
      if (!(bytes instanceof Uint8Array)) {
        throw new ExtensionError(
          "invalid_argument",
          "a module must be given as bytes (Uint8Array)",
          "invalid_module",
        );
      }
      const limits = resolveLimits(opts.limits, DEFAULT_LIMITS);
      const compileOptions: CompileOptions = {
        sha256: opts.sha256,
        memoryMb: limits.memoryMb,
        maxModuleBytes: sizeLimits.moduleBytes,
        maxCallDepth: sizeLimits.callDepth,
        meter,
      };
      const { compiled, instance } = options.loadThread
        ? instanceFromLoad(await inWorker().load(bytes, compileOptions))
        : await compileAndWarm(bytes, { ...compileOptions, linkedModules });
      const key = `${compiled.sha256}:${limits.memoryMb}:${++loads}`;
      cache.set(key, { compiled, instance });
      return {
        sha256: compiled.sha256,
        limits,
        wit: compiled.wit,
        sizeBytes: compiled.sizeBytes,
        compiled,
        key,
      };
    },
    invokeInline(ext, request) {
      const prep = prepareInvocation(request, ext.limits, sizeLimits);
      return runHere(ext, prep, answerSynchronously(request, prep.timeoutMs));
    },
    tryInline(ext, request, fuelSlice) {
      checkInlineCall("tryInline", request.hostHandler, fuelSlice);
      const prep = prepareInvocation(request, ext.limits, sizeLimits);
      if (!makesOnCallerThread(instanceOf(ext), coreTableEntries(ext.compiled)))
        return { skipped: "not_ready" };
      const budget = prep.fuel;
      const sliced = fuelSlice < budget;
      if (sliced) prep.fuel = fuelSlice;
      return judgeSliced(runHere(ext, prep, unanswered), sliced, budget);
    },
    tryInlineBatch(ext, request) {
      const instance = instanceOf(ext);
      const guest = {
        instance,
        limits: ext.limits,
        memoryLimitBytes: ext.compiled.memoryLimitBytes,
        tableEntries: coreTableEntries(ext.compiled),
      };
      const run = runInlineBatch(guest, request, sizeLimits, unanswered);
      cleanLater(instance);
      return run;
    },
    invoke(ext, request) {
      let prep: ReturnType<typeof prepareInvocation>;
      try {
        prep = prepareInvocation(request, ext.limits, sizeLimits);
      } catch (cause) {
        return Promise.reject(ExtensionError.from(cause));
      }
      pool ??= createWorkerPool(options.pool);
      return pool.run(ext.key, ext.compiled, prep, request.hostHandler, request.startBy, request.runBy);
    },
    stats() {
      return { cachedModules: cache.size, cacheMisses: cache.misses, workersReplaced: pool?.replaced ?? 0 };
    },
    async close() {
      if (cleaning) clearImmediate(cleaning);
      cleaning = undefined;
      toClean.clear();
      await Promise.all([pool?.close(), loadThread?.close()]);
      pool = undefined;
      loadThread = undefined;
    },
    killWorker() {
      return pool?.terminateWorker() ?? false;
    },
    warmUp() {
      pool ??= createWorkerPool(options.pool);
      return pool.warm();
    },
  };
}
