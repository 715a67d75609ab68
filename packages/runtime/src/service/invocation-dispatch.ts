import { ExtensionError, FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import type { InvokeExtensionRequest } from "@ameide-ext/proto";
import type { Context } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { Engine, LoadedExtension } from "../engine/create-engine.js";
import type { ExecutionContext, InvocationResult, InvokeRequest } from "../engine/types.js";
import type { ConnectHostCaller } from "../host/connect-host-caller.js";
import { type BatchItem, runBatchInputs } from "./batch-dispatch.js";
import { countsAgainstExtension, countsAsFailure } from "./breaker-verdict.js";
import type { CircuitBreakers } from "./circuit-breaker.js";
import type { ExtensionLoader } from "./extension-loader.js";
import {
  createOverrunJudge,
  createRunQueueClock,
  createSlowSet,
  createWindowStart,
  SLOW_FOR_MS,
  watchThreadLoad,
} from "./inline-routing.js";
import type { RuntimeSettings } from "./runtime-settings.js";

/**
 * The input as bytes of its own. A decoded request field is a view into the
 * whole request buffer (often a 64 KiB socket chunk), and posting a view to a
 * worker clones all of the buffer behind it.
 */
function compact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** Refuses a version switched off in the catalog: `failed_precondition / disabled`. */
function refuseDisabled(entry: CatalogEntry): void {
  if (entry.disabled)
    throw new ExtensionError(
      "failed_precondition",
      `${entry.key} is switched off in the catalog (disabled: true)`,
      "disabled",
      { key: entry.key },
    );
}

/** What {@link createInvocationDispatch} needs. */
export interface InvocationDispatchOptions {
  engine: Engine;
  loader: ExtensionLoader;
  breakers: CircuitBreakers;
  hostCaller: ConnectHostCaller;
  settings: RuntimeSettings;
  logger: Logger;
}

/** Runs one resolved invocation: breaker, load, then inline or pool. */
export interface InvocationDispatch {
  /**
   * Runs `req` as `entry`: refused when the entry is disabled or its breaker
   * open; its module loaded (cached, or fetched and compiled); then run in the
   * inline slice (low tier) or the pool. `callerTimeoutMs` shrinks the
   * timeout, and sheds a pool invocation not started by then. `trace`, when
   * the invocation is traced, parents the module fetch's and host calls' spans.
   */
  run(
    req: InvokeExtensionRequest,
    ctx: ExecutionContext,
    entry: CatalogEntry,
    callerTimeoutMs: number | undefined,
    trace?: Context,
  ): Promise<InvocationResult>;
  /**
   * Runs each of `inputs` as its own invocation of `entry`, in order (see
   * batch-dispatch.ts): the entry checked and its module loaded once, then
   * per input its own breaker permit, limits, fresh state and result. Throws
   * only what refuses the whole batch (disabled, breaker open, module not
   * loaded); an input's failure is in its item.
   */
  runBatch(
    inputs: readonly Uint8Array[],
    ctx: ExecutionContext,
    entry: CatalogEntry,
    callerTimeoutMs: number | undefined,
    trace?: Context,
  ): Promise<BatchItem[]>;
  /** Forgets the breakers and routing state of versions `keep` rejects (after a catalog reload). */
  prune(keep: (key: string) => boolean): void;
  /** Stops sampling the thread's load. */
  stop(): void;
}

/** Creates the dispatch of a runtime's invocations. */
export function createInvocationDispatch(options: InvocationDispatchOptions): InvocationDispatch {
  const { engine, loader, breakers, hostCaller, settings, logger } = options;
  // Low-tier invocations try the inline slice first (settings.inlineSliceUs); versions that outran it go to the pool.
  const inlineSlice = settings.inlineSliceUs * (FUEL_PER_CPU_MILLI / 1000);
  const slow = createSlowSet(SLOW_FOR_MS);
  const overruns = createOverrunJudge(settings.inlineSliceUs);
  // How long this thread waited for a CPU: read around each inline try, to judge its overruns fairly.
  const runQueue = createRunQueueClock();
  // The start of an inline try's window: a reading up to 0.5 ms old stands in (createWindowStart).
  const runQueueStart = createWindowStart(runQueue, 0.5);
  const thread = watchThreadLoad();

  const logOverrun = (
    entry: CatalogEntry,
    wallMs: number,
    fuelUsed: number,
    routed: boolean,
    offCpu: number,
  ) =>
    logger.warn(
      {
        event: "inline_overrun",
        key: entry.key,
        wall_ms: Math.round(wallMs * 1000) / 1000,
        off_cpu_ms: Math.round(offCpu * 1000) / 1000,
        slice_us: settings.inlineSliceUs,
        fuel_used: fuelUsed,
        routed,
      },
      routed
        ? `${entry.key} held the service's thread ${wallMs.toFixed(1)} ms, over its ${settings.inlineSliceUs} µs slice: it runs in the pool for the next ${SLOW_FOR_MS / 1000} s`
        : `${entry.key} held the service's thread ${wallMs.toFixed(1)} ms, over its ${settings.inlineSliceUs} µs slice (a second time among its next runs sends it to the pool)`,
    );

  /**
   * One try in the inline slice. The version goes to the pool (for SLOW_FOR_MS) when the slice's fuel ran
   * out (no result: the pool runs it again in full) or when its runs take longer than the slice in wall
   * time, whatever the reason (createOverrunJudge; the result stands, and `overran` is true when it routed).
   * An instance not ready on this thread sends only this invocation to the pool: no result, the version
   * not marked, so the next may run inline once its instance is made.
   */
  const runInline = (
    entry: CatalogEntry,
    ext: LoadedExtension,
    request: InvokeRequest,
  ): { result: InvocationResult | undefined; overran: boolean } => {
    const waited = runQueueStart();
    const started = performance.now();
    const attempt = engine.tryInline(ext, request, inlineSlice);
    const wallMs = performance.now() - started;
    if ("skipped" in attempt) {
      if (attempt.skipped === "slice") slow.mark(entry.key);
      return { result: undefined, overran: false };
    }
    const result = attempt.ran;
    const offCpu = overruns.over(wallMs) ? runQueue() - waited : 0;
    const verdict = overruns.judge(entry.key, wallMs, offCpu);
    if (verdict === "route") slow.mark(entry.key);
    if (verdict !== "within") logOverrun(entry, wallMs, result.stats.fuelUsed, verdict === "route", offCpu);
    return { result, overran: verdict === "route" };
  };

  /**
   * One engine call for a batch's inputs from `from` on (batch-dispatch.ts): each run judged by its wall
   * time as runInline judges one, a skip for the slice's fuel marking the version slow as there.
   */
  const runInlineBatch = (
    entry: CatalogEntry,
    ext: LoadedExtension,
    inputs: readonly Uint8Array[],
    from: number,
    sliceMs: number,
    deadline: number | undefined,
    limits: InvokeRequest["limits"],
  ) => {
    const waited = runQueueStart();
    const run = engine.tryInlineBatch(ext, {
      inputs,
      from,
      limits,
      policy: entry.policy,
      fuelSlice: inlineSlice,
      sliceMs,
      deadline,
    });
    let routedAt = -1;
    // Time this thread waited for a CPU during this call, read only when a run overran (createOverrunJudge).
    let offCpu: number | undefined;
    for (let k = 0; k < run.attempts.length; k++) {
      const a = run.attempts[k] as (typeof run.attempts)[number];
      if ("refused" in a) continue;
      if ("skipped" in a) {
        if (a.skipped === "slice") slow.mark(entry.key);
        continue;
      }
      if (overruns.over(a.wallMs)) offCpu ??= runQueue() - waited;
      const verdict = overruns.judge(entry.key, a.wallMs, offCpu ?? 0);
      if (verdict === "within") continue;
      if (verdict === "route") {
        slow.mark(entry.key);
        routedAt = k;
      }
      logOverrun(entry, a.wallMs, a.ran.stats.fuelUsed, verdict === "route", offCpu ?? 0);
    }
    return { run, routedAt };
  };

  /** The engine's request for `req` as `entry`: limits, policy and, above the low tier, the host-call handler. */
  const requestFor = (
    input: Uint8Array,
    ctx: ExecutionContext,
    entry: CatalogEntry,
    callerTimeoutMs: number | undefined,
    trace: Context | undefined,
    /** A limits object to use again when it holds the same limits (a batch's previous input's). */
    reuse?: InvokeRequest["limits"],
  ): InvokeRequest => {
    let timeoutMs = entry.limits.timeoutMs;
    if (callerTimeoutMs !== undefined)
      timeoutMs = Math.max(1, Math.min(timeoutMs, Math.floor(callerTimeoutMs)));
    const limits =
      reuse?.timeoutMs === timeoutMs && reuse.cpuMillis === entry.limits.cpuMillis
        ? reuse
        : { cpuMillis: entry.limits.cpuMillis, timeoutMs };
    // A low-tier guest makes no host calls: no context, no handler.
    if (entry.riskTier === "low") return { input, limits, policy: entry.policy };
    return {
      input,
      limits,
      policy: entry.policy,
      ctx,
      hostHandler: hostCaller.handlerFor({
        ctx,
        extensionId: entry.extensionId,
        version: entry.version,
        trace,
      }),
    };
  };

  /** Whether a run of `entry` tries the inline slice first (low tier, a slice, the version not slow lately). */
  const inlineFirst = (entry: CatalogEntry) =>
    entry.riskTier === "low" && inlineSlice > 0 && !slow.isSlow(entry.key);

  return {
    runBatch(inputs, ctx, entry, callerTimeoutMs, trace) {
      refuseDisabled(entry);
      // The inputs' limits, one object while their timeout stays the same (the engine only reads it).
      const entryLimits = { cpuMillis: entry.limits.cpuMillis, timeoutMs: entry.limits.timeoutMs };
      let limits: InvokeRequest["limits"] | undefined = entryLimits;
      return runBatchInputs(inputs, entry, callerTimeoutMs, {
        breakers,
        load: () => loader.peek(entry) ?? loader.load(entry, trace),
        inlineFirst,
        runInlineBatch: (e, ext, all, from, sliceMs, deadline) =>
          runInlineBatch(e, ext, all, from, sliceMs, deadline, entryLimits),
        // Above the low tier each input gets its own context object: its host calls are its own (recordings).
        requestFor: (input, timeoutMs) => {
          const request = requestFor(
            input,
            entry.riskTier === "low" ? ctx : { ...ctx },
            entry,
            timeoutMs,
            trace,
            limits,
          );
          limits = request.limits;
          return request;
        },
        runInPool: (ext, request, input, startBy) =>
          engine.invoke(ext, { ...request, input: compact(input), startBy }),
        sliceMs: settings.inlineSliceUs / 1000,
        maxMs: settings.batch.maxMs,
      });
    },
    async run(req, ctx, entry, callerTimeoutMs, trace) {
      refuseDisabled(entry);
      // The caller's deadline: a pool invocation not started by then is shed (unavailable/overloaded), and
      // one running then is stopped (its timeout is armed when it starts, after its wait in the queue).
      const startBy = callerTimeoutMs === undefined ? undefined : performance.now() + callerTimeoutMs;
      const permit = breakers.admit(entry.key);
      let failed = false;
      try {
        const ext = loader.peek(entry) ?? (await loader.load(entry, trace));
        const request = requestFor(req.inputJson, ctx, entry, callerTimeoutMs, trace);
        let result: InvocationResult | undefined;
        let overran = false;
        if (inlineFirst(entry) && !thread.busy) ({ result, overran } = runInline(entry, ext, request));
        result ??= await engine.invoke(ext, {
          ...request,
          input: compact(req.inputJson),
          startBy,
          runBy: startBy,
        });
        failed = countsAsFailure(result, overran);
        return result;
      } catch (cause) {
        const err = ExtensionError.from(cause);
        failed = countsAgainstExtension(err.code, err.reason);
        throw err;
      } finally {
        breakers.record(permit, failed);
      }
    },
    prune(keep) {
      breakers.prune(keep);
      slow.prune(keep);
      overruns.prune(keep);
    },
    stop() {
      thread.stop();
    },
  };
}
