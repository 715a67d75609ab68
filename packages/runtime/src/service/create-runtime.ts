import { ExtensionError, FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import type { InvokeExtensionRequest, InvokeExtensionResponse } from "@ameide-ext/proto";
import { type Logger, pino } from "pino";
import type { Catalog, CatalogEntry } from "../catalog/parse-catalog.js";
import { type CatalogWatch, watchCatalogFile } from "../catalog/watch-catalog-file.js";
import { createEngine, type Engine } from "../engine/create-engine.js";
import type { ExecutionContext, InvocationResult } from "../engine/types.js";
import { createConnectHostCaller } from "../host/connect-host-caller.js";
import { createTokenMinter, type TokenMinter } from "../host/token-minter.js";
import { createFileModuleStore } from "../store/file-module-store.js";
import { combineModuleStores, type ModuleStore } from "../store/module-store.js";
import { createS3ModuleStore } from "../store/s3-module-store.js";
import { checkCatalogMemory } from "./check-catalog-memory.js";
import { type CircuitBreakers, createCircuitBreakers } from "./circuit-breaker.js";
import { createExtensionLoader, type ExtensionLoader } from "./extension-loader.js";
import { createOverrunJudge, createSlowSet, SLOW_FOR_MS, watchThreadLoad } from "./inline-routing.js";
import { invocationLogLine } from "./invocation-log.js";
import { responseFromError, responseFromResult } from "./invocation-response.js";
import { contextOfRequest } from "./request-context.js";
import {
  createRuntimeMetrics,
  type ExtensionLabels,
  type RuntimeMetrics,
  UNRESOLVED,
} from "./runtime-metrics.js";
import { type RuntimeSettings, resolveRuntimeSettings } from "./runtime-settings.js";

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** The catalog in force at start. */
  catalog: Catalog;
  /** The catalog's file, hot-reloaded on change. Unset: the catalog only changes through {@link Runtime.setCatalog}. */
  catalogPath?: string | undefined;
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
}

/** Per-call options of {@link Runtime.invokeExtension}. */
export interface InvokeCallOptions {
  /** The caller's deadline, in milliseconds from now: the invocation's timeout shrinks to fit it. */
  timeoutMs?: number | undefined;
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
  /** The metrics. */
  readonly metrics: RuntimeMetrics;
  /** The public keys that verify host-call tokens. */
  readonly jwks: TokenMinter["jwks"];
  /** The engine. */
  readonly engine: Engine;
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

/** A technical error the extension is to blame for: what a breaker counts. */
function countsAgainstExtension(code: string, reason: string | undefined): boolean {
  if (code === "unavailable") return false; // the runtime's own availability: store, workers, breaker
  if (code === "invalid_argument" && (reason === "input_size" || reason === "invalid_input")) return false; // the caller's input
  return true;
}

/**
 * The input as bytes of its own. A decoded request field is a view into the
 * whole request buffer (often a 64 KiB socket chunk), and posting a view to a
 * worker clones all of the buffer behind it.
 */
function compact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** Creates a {@link Runtime}. Settings are checked here, once; the signing key is imported or generated. */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const settings = options.settings ?? resolveRuntimeSettings(options.catalog.runtime);
  checkCatalogMemory(options.catalog, settings.maxMemoryMb);
  const logger =
    options.logger ??
    pino({
      level: settings.logLevel,
      base: { service: "ameide-ext-runtime" },
      timestamp: pino.stdTimeFunctions.isoTime,
    });
  const metrics = createRuntimeMetrics({ defaultMetrics: options.defaultMetrics });
  const ownEngine = options.engine === undefined;
  const engine =
    options.engine ??
    createEngine({
      // Loads run in a worker with a time limit: no catalog entry stalls the thread that serves.
      loadThread: {},
      pool: {
        ...(settings.pool.size !== undefined ? { size: settings.pool.size } : {}),
        ...(settings.pool.maxQueue !== undefined ? { maxQueue: settings.pool.maxQueue } : {}),
        ...(settings.pool.workerHeapMb !== undefined ? { workerHeapMb: settings.pool.workerHeapMb } : {}),
      },
    });
  const store =
    options.store ??
    combineModuleStores([
      createFileModuleStore({ root: settings.store.root }),
      createS3ModuleStore({
        endpoint: settings.store.s3.endpoint,
        region: settings.store.s3.region,
        forcePathStyle: settings.store.s3.forcePathStyle,
        fetchTimeoutMs: settings.store.s3.fetchTimeoutMs,
        credentials: settings.store.s3.credentials,
      }),
    ]);
  const minter = await createTokenMinter({
    privateKeyPem: settings.hostCalls.signingKeyPem,
    ttlSeconds: settings.hostCalls.tokenTtlSeconds,
    issuer: settings.hostCalls.issuer,
  });
  if (settings.hostCalls.signingKeyPem === undefined)
    logger.warn(
      { event: "signing_key_ephemeral", kid: minter.jwks.keys[0]?.kid },
      "no signing key configured (AMEIDE_RUNTIME_SIGNING_KEY[_FILE]): host-call tokens are signed with a key made for this process; services must fetch /.well-known/jwks.json",
    );

  let catalog = options.catalog;
  const labelsOf = (entry: CatalogEntry): ExtensionLabels => ({
    tenant_id: entry.tenantId,
    extension_id: entry.extensionId,
    version: entry.version,
  });

  const breakers: CircuitBreakers = createCircuitBreakers({
    failureThreshold: settings.circuitBreaker.failureThreshold,
    coolDownMs: settings.circuitBreaker.coolDownMs,
    onChange: (c) => {
      metrics.circuit(c.key, c.to);
      logger.warn(
        { event: "circuit_state", key: c.key, from: c.from, to: c.to, consecutive_failures: c.failures },
        `circuit breaker of ${c.key}: ${c.from} -> ${c.to}`,
      );
    },
  });

  const loader: ExtensionLoader = createExtensionLoader({
    engine,
    store,
    capacity: settings.moduleCacheEntries,
    onColdFetch: ({ entry, durationMs, error }) => {
      metrics.coldFetch(entry.ref.scheme, durationMs / 1000, error === undefined);
      if (error?.reason === "integrity") {
        metrics.integrityFailure(labelsOf(entry));
        logger.error(
          {
            event: "integrity_failure",
            tenant_id: entry.tenantId,
            extension_id: entry.extensionId,
            version: entry.version,
            ref: entry.ref.ref,
            expected_sha256: error.details?.expected,
            actual_sha256: error.details?.actual,
          },
          `module of ${entry.key} refused: its sha256 differs from wasm_blob_ref`,
        );
      } else if (error) {
        logger.warn(
          {
            event: "module_fetch_failed",
            key: entry.key,
            ref: entry.ref.ref,
            error_code: error.code,
            error_reason: error.reason,
          },
          `module of ${entry.key} could not be loaded: ${error.message}`,
        );
      } else {
        logger.debug({ event: "module_loaded", key: entry.key, ref: entry.ref.ref, duration_ms: durationMs });
      }
    },
  });

  const hostCaller = createConnectHostCaller({
    endpoints: () => catalog.hostServices,
    minter,
    fetch: options.fetch,
    onCall: (c) => metrics.hostCall(c.service, c.method, c.code, c.durationMs / 1000),
  });

  // Low-tier invocations try the inline slice first (settings.inlineSliceUs); versions that outran it go to the pool.
  const inlineSlice = settings.inlineSliceUs * (FUEL_PER_CPU_MILLI / 1000);
  const slow = createSlowSet(SLOW_FOR_MS);
  const overruns = createOverrunJudge(settings.inlineSliceUs);
  const thread = watchThreadLoad();

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
    breakers.prune((key) => keys.has(key));
    slow.prune((key) => keys.has(key));
    overruns.prune((key) => keys.has(key));
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

  let watch: CatalogWatch | undefined;
  if (options.catalogPath !== undefined) {
    watch = watchCatalogFile({
      path: options.catalogPath,
      currentHash: catalog.hash,
      debounceMs: options.reloadDebounceMs,
      check: (next) => checkCatalogMemory(next, settings.maxMemoryMb),
      onCatalog: setCatalog,
      onInvalid: (error) => {
        metrics.catalogLoad(false);
        logger.error(
          {
            event: "catalog_invalid",
            source: options.catalogPath,
            error_code: error.code,
            error_reason: error.reason,
            problems: error.details?.problems,
          },
          `catalog refused, the previous one stays in force: ${error.message}`,
        );
      },
    });
  }

  /**
   * One try in the inline slice. The version goes to the pool (for SLOW_FOR_MS) when the slice's fuel ran
   * out (no result: the pool runs it again in full) or when its runs take longer than the slice in wall
   * time, whatever the reason (createOverrunJudge; the result stands, and `overran` is true when it routed).
   * An instance not ready on this thread sends only this invocation to the pool: no result, the version
   * not marked, so the next may run inline once its instance is made.
   */
  const runInline = (
    entry: CatalogEntry,
    ext: Parameters<Engine["tryInline"]>[0],
    request: Parameters<Engine["tryInline"]>[1],
  ): { result: InvocationResult | undefined; overran: boolean } => {
    const started = performance.now();
    const attempt = engine.tryInline(ext, request, inlineSlice);
    const wallMs = performance.now() - started;
    if ("skipped" in attempt) {
      if (attempt.skipped === "slice") slow.mark(entry.key);
      return { result: undefined, overran: false };
    }
    const result = attempt.ran;
    const verdict = overruns.judge(entry.key, wallMs);
    if (verdict === "route") slow.mark(entry.key);
    if (verdict !== "within")
      logger.warn(
        {
          event: "inline_overrun",
          key: entry.key,
          wall_ms: Math.round(wallMs * 1000) / 1000,
          slice_us: settings.inlineSliceUs,
          fuel_used: result.stats.fuelUsed,
          routed: verdict === "route",
        },
        verdict === "route"
          ? `${entry.key} held the service's thread ${wallMs.toFixed(1)} ms, over its ${settings.inlineSliceUs} µs slice: it runs in the pool for the next ${SLOW_FOR_MS / 1000} s`
          : `${entry.key} held the service's thread ${wallMs.toFixed(1)} ms, over its ${settings.inlineSliceUs} µs slice (a second time among its next runs sends it to the pool)`,
      );
    return { result, overran: verdict === "route" };
  };

  const run = async (
    req: InvokeExtensionRequest,
    ctx: ExecutionContext,
    entry: CatalogEntry,
    callerTimeoutMs: number | undefined,
  ): Promise<InvocationResult> => {
    if (entry.disabled)
      throw new ExtensionError(
        "failed_precondition",
        `${entry.key} is switched off in the catalog (disabled: true)`,
        "disabled",
        { key: entry.key },
      );
    // The caller's deadline: a pool invocation not started by then is shed (unavailable/overloaded).
    const startBy = callerTimeoutMs === undefined ? undefined : performance.now() + callerTimeoutMs;
    const permit = breakers.admit(entry.key);
    let failed = false;
    try {
      const ext = loader.peek(entry) ?? (await loader.load(entry));
      let timeoutMs = entry.limits.timeoutMs;
      if (callerTimeoutMs !== undefined)
        timeoutMs = Math.max(1, Math.min(timeoutMs, Math.floor(callerTimeoutMs)));
      const request = {
        input: req.inputJson,
        limits: { cpuMillis: entry.limits.cpuMillis, timeoutMs },
        policy: entry.policy,
        ...(entry.riskTier === "low"
          ? {}
          : {
              ctx,
              hostHandler: hostCaller.handlerFor({
                ctx,
                extensionId: entry.extensionId,
                version: entry.version,
              }),
            }),
      };
      let result: InvocationResult | undefined;
      let overran = false;
      if (entry.riskTier === "low" && inlineSlice > 0 && !thread.busy && !slow.isSlow(entry.key))
        ({ result, overran } = runInline(entry, ext, request));
      result ??= await engine.invoke(ext, { ...request, input: compact(req.inputJson), startBy });
      // An overrun held the service's thread: the breaker counts it as it counts a technical error.
      failed =
        overran ||
        (result.outcome === "technical_error" &&
          countsAgainstExtension(result.error?.code ?? "", result.error?.reason));
      return result;
    } catch (cause) {
      const err = ExtensionError.from(cause);
      failed = countsAgainstExtension(err.code, err.reason);
      throw err;
    } finally {
      breakers.record(permit, failed);
    }
  };

  /** One finished invocation, waiting to be counted and logged. */
  interface Finished {
    req: InvokeExtensionRequest;
    entry: CatalogEntry | undefined;
    response: InvokeExtensionResponse;
    outcome: InvocationResult["outcome"];
    latencyMs: number;
    logs: InvocationResult["logs"] | undefined;
  }
  const record = (f: Finished) => {
    const labels: ExtensionLabels = f.entry
      ? labelsOf(f.entry)
      : { tenant_id: UNRESOLVED, extension_id: UNRESOLVED, version: UNRESOLVED };
    const r = f.response;
    metrics.invocation(
      labels,
      f.outcome,
      r.errorCode,
      r.errorReason,
      f.latencyMs / 1000,
      Number(r.stats?.fuelUsed ?? 0n),
    );
    const technical = f.outcome === "technical_error";
    if (logger.isLevelEnabled(technical ? "warn" : "info")) {
      const line = invocationLogLine(
        f.req,
        f.entry,
        r,
        f.outcome,
        f.latencyMs,
        f.logs ?? [],
        settings.guestLogs,
      );
      if (technical) logger.warn(line, "invocation");
      else logger.info(line, "invocation");
    }
  };
  let finished: Finished[] = [];
  let recording: NodeJS.Immediate | undefined;
  const recordFinished = () => {
    recording = undefined;
    const batch = finished;
    finished = [];
    for (const f of batch) record(f);
  };
  const afterResponse = (f: Finished) => {
    finished.push(f);
    recording ??= setImmediate(recordFinished);
  };
  const flushRecords = () => {
    if (recording) clearImmediate(recording);
    recordFinished();
  };
  const publicMetrics: RuntimeMetrics = {
    ...metrics,
    render() {
      flushRecords();
      return metrics.render();
    },
  };

  const runtime: Runtime = {
    get catalog() {
      return catalog;
    },
    setCatalog,
    settings,
    logger,
    metrics: publicMetrics,
    jwks: minter.jwks,
    engine,
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
      if (draining)
        throw new ExtensionError(
          "unavailable",
          "the runtime is shutting down; retry on another replica",
          "shutting_down",
        );
      const started = performance.now();
      inflight++;
      metrics.inflight(1);
      let entry: CatalogEntry | undefined;
      let ctx: ExecutionContext | undefined;
      let response: InvokeExtensionResponse;
      let result: InvocationResult | undefined;
      try {
        ctx = contextOfRequest(req, catalog.env);
        entry = catalog.resolve(ctx.tenantId, req.extensionId, req.version);
        result = await run(req, ctx, entry, callOptions.timeoutMs);
        response = responseFromResult(result, entry.version);
      } catch (cause) {
        response = responseFromError(ExtensionError.from(cause), entry?.version ?? "");
      } finally {
        inflight--;
        metrics.inflight(-1);
        if (inflight === 0) drained?.();
      }
      const latencyMs = performance.now() - started;
      // The metrics and the log line are recorded just after the response is handed back, off its
      // latency; a /metrics scrape and close() record what is still pending first.
      afterResponse({
        req,
        entry,
        response,
        outcome: result?.outcome ?? "technical_error",
        latencyMs,
        logs: result?.logs,
      });
      return response;
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
      flushRecords();
      thread.stop();
      watch?.close();
      store.close?.();
      if (ownEngine) await engine.close();
    },
  };
  // The first pass starts here, so an embedder that never calls preload() still becomes ready.
  if (settings.preload) void runtime.preload();
  return runtime;
}
