import { ExtensionError } from "@ameide-ext/contract";
import type {
  InvokeExtensionBatchRequest,
  InvokeExtensionBatchResponse,
  InvokeExtensionRequest,
  InvokeExtensionResponse,
} from "@ameide-ext/proto";
import { type Context, context as otelContext, type Span } from "@opentelemetry/api";
import type { Logger } from "pino";
import { createCatalogObjectClient } from "../catalog/catalog-object.js";
import type { Catalog, CatalogEntry } from "../catalog/parse-catalog.js";
import { type CatalogWatch, watchCatalogFile } from "../catalog/watch-catalog-file.js";
import { watchCatalogObject } from "../catalog/watch-catalog-object.js";
import type { Engine } from "../engine/create-engine.js";
import type { ExecutionContext, InvocationResult } from "../engine/types.js";
import type { TokenMinter } from "../host/token-minter.js";
import type { InvocationRecordings } from "../recording/invocation-recordings.js";
import { setUpRecordings } from "../recording/runtime-recordings.js";
import type { ModuleStore } from "../store/module-store.js";
import type { RecordingStore } from "../store/recording-store.js";
import type { BatchItem } from "./batch-dispatch.js";
import { type BatchAnswer, batchResponse } from "./batch-response.js";
import { checkBatchSize } from "./batch-size.js";
import { checkCatalogMemory } from "./check-catalog-memory.js";
import { consumerRefOf } from "./consumer-ref.js";
import { createInvocationDispatch } from "./invocation-dispatch.js";
import { createInvocationRecorder } from "./invocation-recorder.js";
import { type ResolvedModule, responseFromError, responseFromResult } from "./invocation-response.js";
import { endBatchSpan, endInvocationSpan, SPAN_NAMES, startInvocationSpan } from "./invocation-tracing.js";
import type { CatalogObjectSource } from "./load-runtime-config.js";
import { contextOfRequest } from "./request-context.js";
import type { RuntimeMetrics } from "./runtime-metrics.js";
import { createRuntimeParts, type GivenRuntimeParts } from "./runtime-parts.js";
import { type RuntimeSettings, resolveRuntimeSettings } from "./runtime-settings.js";
import type { SloRollbackRequester } from "./slo-guard.js";

/** Options of {@link createRuntime}. */
export interface RuntimeOptions extends GivenRuntimeParts {
  /** The catalog in force at start. */
  catalog: Catalog;
  /** The catalog's file, hot-reloaded on change. Unset: the catalog only changes through {@link Runtime.setCatalog}. */
  catalogPath?: string | undefined;
  /**
   * The catalog object watched instead of the file (`settings.catalog.source`, as loadRuntimeConfig
   * read it at start), polled every `settings.catalog.pollIntervalMs` + jitter. Wins over `catalogPath`.
   */
  catalogObject?: CatalogObjectSource | undefined;
  /** Debounce of the hot reload, in milliseconds. Default 200. */
  reloadDebounceMs?: number | undefined;
  /** Settings; default: resolved from the catalog's `runtime` section alone. */
  settings?: RuntimeSettings | undefined;
  /** The runtime's log. Default: pino to stdout at `settings.logLevel`. */
  logger?: Logger | undefined;
  /** The module store. Default: the file store at `settings.store.root`, plus S3 for `s3://` refs. */
  store?: ModuleStore | undefined;
  /** The engine. Default: one created from `settings.pool`; closed by {@link Runtime.close} only when created here. */
  engine?: Engine | undefined;
  /** The fetch host calls use. Default the global fetch. */
  fetch?: typeof fetch | undefined;
  /** Collect prom-client's default process metrics. Default true. */
  defaultMetrics?: boolean | undefined;
  /** Where invocations are recorded. Default: the store `settings.recordings.location` names (none: off). */
  recordingStore?: RecordingStore | undefined;
  /**
   * Asks the registry to roll the environment back when a version whose SLO says `auto_rollback` burns
   * fast (createSloRollbackClient). Unset: a fast burn only trips the version's breaker.
   */
  sloRollback?: SloRollbackRequester | undefined;
}

/** Per-call options of {@link Runtime.invokeExtension}. */
export interface InvokeCallOptions {
  /** The caller's deadline, in milliseconds from now: the invocation's timeout shrinks to fit it. */
  timeoutMs?: number | undefined;
  /**
   * The caller's trace context (the Connect routes extract it from `traceparent`). Default the
   * active context. Read only when the runtime has a tracer.
   */
  traceContext?: Context | undefined;
}

/**
 * The WasmExtensionRuntime as an object: catalog, module store, engine,
 * governed host calls, breakers, metrics and logs. The Connect server serves
 * it over the network; the SDK's in-process transport calls it directly.
 */
export interface Runtime {
  /**
   * Runs one InvokeExtension. Every outcome is in the response (spec 479
   * §3.2): the output, a business error, or a technical error with its code
   * and reason. Rejects only with `unavailable/shutting_down` once draining
   * has begun: that request never became an invocation.
   */
  invokeExtension(
    request: InvokeExtensionRequest,
    options?: InvokeCallOptions,
  ): Promise<InvokeExtensionResponse>;
  /**
   * Runs one InvokeExtensionBatch: the version resolved once, then each
   * input as its own invocation (fresh state, its own limits and answer; one
   * failing input never fails the others), in order. Rejects, before any
   * input runs, with `invalid_argument / batch_size` for no input or a batch
   * over `settings.batch`, and with `unavailable / shutting_down` once
   * draining has begun. What refuses every input (an unknown extension, a
   * bad context, an open breaker) is in each answer, as in a single call's.
   * The caller's deadline (`timeoutMs`) bounds the whole batch.
   */
  invokeExtensionBatch(
    request: InvokeExtensionBatchRequest,
    options?: InvokeCallOptions,
  ): Promise<InvokeExtensionBatchResponse>;
  /**
   * Runs one InvokeExtensionBatch as {@link invokeExtensionBatch} does, and
   * resolves with its answer before it becomes a response object: for a
   * server that writes the binary encoding straight from it
   * (encodeBatchAnswer), as this package's routes do.
   */
  answerExtensionBatch(
    request: InvokeExtensionBatchRequest,
    options?: InvokeCallOptions,
  ): Promise<BatchAnswer>;
  /** The catalog in force. */
  readonly catalog: Catalog;
  /**
   * Puts a new catalog in force. Invocations already running finish with the
   * entry they resolved. Throws `invalid_argument / invalid_limits`, and keeps
   * the catalog in force, when an entry asks for more `memory_mb` than
   * `settings.maxMemoryMb`.
   */
  setCatalog(catalog: Catalog): void;
  /** The settings in force. */
  readonly settings: RuntimeSettings;
  /** The runtime's log. */
  readonly logger: Logger;
  /** True when the runtime traces its invocations (it was given a tracer). */
  readonly tracing: boolean;
  /** The metrics. */
  readonly metrics: RuntimeMetrics;
  /** The public keys that verify host-call tokens. */
  readonly jwks: TokenMinter["jwks"];
  /** The engine. */
  readonly engine: Engine;
  /** Recorded invocations (docs/runtime-service.md, "Recordings"); undefined when recording is off. */
  readonly recordings: InvocationRecordings | undefined;
  /** The module store (what `/v1/module` reads for replay). */
  readonly store: ModuleStore;
  /** True once the catalog is in force and the first preload pass is done, until draining begins. */
  readonly ready: boolean;
  /** True once {@link drain} was called. */
  readonly draining: boolean;
  /** Invocations running. */
  readonly inflight: number;
  /**
   * Boots the worker pool and fetches and compiles every enabled catalog
   * entry not yet cached; the runtime is ready once a pass is done. With
   * `settings.preload` (the default) the first pass starts on creation.
   * Failures are logged, not thrown.
   */
  preload(): Promise<void>;
  /**
   * Stops taking invocations (new ones reject with `unavailable/shutting_down`)
   * and waits for those in flight, at most `graceMs`. Resolves true when none
   * is left.
   */
  drain(graceMs?: number): Promise<boolean>;
  /** Stops watching the catalog and closes the engine (if created here) and the stores. */
  close(): Promise<void>;
}

/**
 * Creates a {@link Runtime}. Settings are checked here, once; the signing key
 * is imported or generated. The runtime is three parts put together: the
 * defaults wiring (runtime-parts.ts), the dispatch of each invocation
 * (invocation-dispatch.ts: breaker, load, inline or pool) and the invocation
 * recorder (invocation-recorder.ts: batched metrics and log); this function
 * keeps the catalog in force, readiness, draining and closing.
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const settings = options.settings ?? resolveRuntimeSettings(options.catalog.runtime);
  checkCatalogMemory(options.catalog, settings.maxMemoryMb);
  let catalog = options.catalog;
  const parts = await createRuntimeParts(options, settings, () => catalog);
  const { logger, metrics, engine, store, loader } = parts;
  const { hostCaller, recordings } = setUpRecordings(settings, parts, options.recordingStore);
  const dispatch = createInvocationDispatch({ ...parts, hostCaller, settings });
  const recorder = createInvocationRecorder({ metrics, logger, guestLogs: settings.guestLogs, recordings });
  const tracer = options.tracer;
  /** The span of one invocation or batch, with the context its children start in; none when not traced. */
  const startSpan = (
    name: string,
    req: InvokeExtensionRequest | InvokeExtensionBatchRequest,
    callOptions: InvokeCallOptions,
  ): { span: Span; context: Context } | undefined =>
    tracer && startInvocationSpan(tracer, name, callOptions.traceContext ?? otelContext.active(), req);

  let inflight = 0;
  let draining = false;
  let preloaded = !settings.preload;
  let drained: (() => void) | undefined;
  metrics.catalogLoad(true, catalog.entries.length);

  const warmPool = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    // Workers that cannot boot must not keep the runtime unready forever: their invocations fail on their own.
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 30_000);
    });
    await Promise.race([engine.warmUp(), limit]);
    clearTimeout(timer);
  };

  const preload = async (): Promise<void> => {
    const todo = catalog.entries
      .filter((e) => !e.disabled && !loader.peek(e))
      .slice(0, settings.moduleCacheEntries);
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const entry = todo[next++] as CatalogEntry;
        await loader.load(entry).catch(() => undefined); // logged by onColdFetch
      }
    };
    await Promise.all([worker(), worker()]);
  };

  const setCatalog = (next: Catalog) => {
    checkCatalogMemory(next, settings.maxMemoryMb);
    const previous = catalog;
    catalog = next;
    const keys = new Set(next.entries.map((e) => e.key));
    dispatch.prune((key) => keys.has(key));
    metrics.catalogLoad(true, next.entries.length);
    logger.info(
      {
        event: "catalog_loaded",
        hash: next.hash,
        previous_hash: previous.hash,
        extensions: next.entries.length,
      },
      `catalog in force: ${next.entries.length} extension version(s)`,
    );
    if (settings.preload) void preload();
  };

  const watch =
    options.catalogObject !== undefined
      ? watchObject(options.catalogObject, settings, parts, setCatalog)
      : options.catalogPath === undefined
        ? undefined
        : watchCatalog(options, settings, parts, setCatalog);

  const refuseWhileDraining = () => {
    if (draining)
      throw new ExtensionError(
        "unavailable",
        "the runtime is shutting down; retry on another replica",
        "shutting_down",
      );
  };

  const runtime: Runtime = {
    get catalog() {
      return catalog;
    },
    setCatalog,
    settings,
    logger,
    tracing: tracer !== undefined,
    metrics: recorder.metrics,
    jwks: parts.minter.jwks,
    engine,
    recordings,
    store,
    get ready() {
      return preloaded && !draining;
    },
    get draining() {
      return draining;
    },
    get inflight() {
      return inflight;
    },
    async invokeExtension(req, callOptions = {}) {
      refuseWhileDraining();
      const started = performance.now();
      const traced = startSpan(SPAN_NAMES.invocation, req, callOptions);
      inflight++;
      metrics.inflight(1);
      let entry: CatalogEntry | undefined;
      let ctx: ExecutionContext | undefined;
      let response: InvokeExtensionResponse;
      let result: InvocationResult | undefined;
      try {
        ctx = contextOfRequest(req, catalog.env);
        entry = catalog.resolve(ctx.tenantId, req.extensionId, req.version, consumerRefOf(req.consumerRef));
        result = await dispatch.run(req, ctx, entry, callOptions.timeoutMs, traced?.context);
        response = responseFromResult(result, moduleOf(entry));
      } catch (cause) {
        response = responseFromError(ExtensionError.from(cause), entry && moduleOf(entry));
      } finally {
        inflight--;
        metrics.inflight(-1);
        if (inflight === 0) drained?.();
      }
      const latencyMs = performance.now() - started;
      const outcome = result?.outcome ?? "technical_error";
      if (traced) endInvocationSpan(traced.span, entry, response, outcome, latencyMs);
      // The metrics and the log line are recorded just after the response is handed back, off its
      // latency; a /metrics scrape and close() record what is still pending first.
      recorder.record({
        req,
        entry,
        response,
        outcome,
        latencyMs,
        logs: result?.logs,
        ran: result && ctx && { ctx, input: req.inputJson },
      });
      return response;
    },
    async invokeExtensionBatch(req, callOptions = {}) {
      return batchResponse(await runtime.answerExtensionBatch(req, callOptions));
    },
    async answerExtensionBatch(req, callOptions = {}) {
      refuseWhileDraining();
      checkBatchSize(req.inputsJson, settings.batch);
      const started = performance.now();
      const traced = startSpan(SPAN_NAMES.batch, req, callOptions);
      inflight++;
      metrics.inflight(1);
      let entry: CatalogEntry | undefined;
      let items: BatchItem[] | undefined;
      let refusal: ExtensionError | undefined;
      let ctx: ExecutionContext | undefined;
      try {
        ctx = contextOfRequest(req, catalog.env);
        entry = catalog.resolve(ctx.tenantId, req.extensionId, req.version, consumerRefOf(req.consumerRef));
        items = await dispatch.runBatch(req.inputsJson, ctx, entry, callOptions.timeoutMs, traced?.context);
      } catch (cause) {
        refusal = ExtensionError.from(cause);
      } finally {
        inflight--;
        metrics.inflight(-1);
        if (inflight === 0) drained?.();
      }
      const answer: BatchAnswer = {
        count: req.inputsJson.length,
        items,
        refusal,
        module: entry && moduleOf(entry),
      };
      const latencyMs = performance.now() - started;
      if (traced) endBatchSpan(traced.span, entry, answer, latencyMs);
      recorder.recordBatch({
        req,
        entry,
        answer,
        latencyMs,
        ran: ctx && items && { ctx, inputs: req.inputsJson },
      });
      return answer;
    },
    preload() {
      return Promise.all([warmPool(), preload()]).then(() => {
        preloaded = true;
      });
    },
    drain(graceMs = settings.shutdownGraceMs) {
      draining = true;
      if (inflight === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(inflight === 0), graceMs);
        drained = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
    async close() {
      recorder.flush();
      dispatch.stop();
      watch?.close();
      await recordings?.close();
      store.close?.();
      if (parts.ownEngine) await engine.close();
    },
  };
  // The first pass starts here, so an embedder that never calls preload() still becomes ready.
  if (settings.preload) void runtime.preload();
  return runtime;
}

/** The version and module sha256 an entry resolved to, for the response. */
function moduleOf(entry: CatalogEntry): ResolvedModule {
  return { version: entry.version, sha256: entry.ref.sha256 };
}

/** The refusal of a catalog, logged once: the catalog in force stays. */
function logInvalid(
  parts: { logger: Logger; metrics: RuntimeMetrics },
  source: string,
  error: ExtensionError,
) {
  parts.metrics.catalogLoad(false);
  parts.logger.error(
    {
      event: "catalog_invalid",
      source,
      error_code: error.code,
      error_reason: error.reason,
      problems: error.details?.problems,
    },
    `catalog refused, the previous one stays in force: ${error.message}`,
  );
}

/**
 * Polls the catalog object: a valid change goes to `onCatalog`; an invalid one is counted and logged
 * (`catalog_invalid`), a failed poll too (`catalog_fetch_failed`, ameide_ext_catalog_fetch_failures_total);
 * either way the catalog in force stays.
 */
function watchObject(
  source: CatalogObjectSource,
  settings: RuntimeSettings,
  parts: { logger: Logger; metrics: RuntimeMetrics },
  onCatalog: (next: Catalog) => void,
): CatalogWatch {
  const timeoutMs = settings.store.s3.fetchTimeoutMs ?? 5_000;
  let failing = false;
  return watchCatalogObject({
    where: source.where,
    client: createCatalogObjectClient(settings.store.s3, timeoutMs),
    base: source.base,
    etag: source.etag,
    pollIntervalMs: settings.catalog.pollIntervalMs,
    pollJitterMs: settings.catalog.pollJitterMs,
    fetchTimeoutMs: timeoutMs,
    check: (next) => checkCatalogMemory(next, settings.maxMemoryMb),
    onCatalog,
    onFetched: () => {
      failing = false;
    },
    onInvalid: (error) => logInvalid(parts, source.where.url, error),
    onFetchFailed: (error) => {
      parts.metrics.catalogFetchFailed();
      // One line when polls start failing, not one per poll; the counter counts each.
      if (failing) return;
      failing = true;
      parts.logger.warn(
        {
          event: "catalog_fetch_failed",
          source: source.where.url,
          error_code: error.code,
          error_reason: error.reason,
          error: error.details?.error,
        },
        `catalog object cannot be read, the catalog in force stays: ${error.message}`,
      );
    },
  });
}

/** Hot-reloads the catalog file: a valid change goes to `onCatalog`; an invalid one is counted and logged, and the catalog in force stays. */
function watchCatalog(
  options: RuntimeOptions,
  settings: RuntimeSettings,
  parts: { logger: Logger; metrics: RuntimeMetrics },
  onCatalog: (next: Catalog) => void,
): CatalogWatch {
  return watchCatalogFile({
    path: options.catalogPath as string,
    currentHash: options.catalog.hash,
    debounceMs: options.reloadDebounceMs,
    check: (next) => checkCatalogMemory(next, settings.maxMemoryMb),
    onCatalog,
    onInvalid: (error) => logInvalid(parts, options.catalogPath as string, error),
  });
}
