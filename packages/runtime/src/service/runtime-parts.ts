import type { Tracer } from "@opentelemetry/api";
import { type Logger, pino } from "pino";
import type { Catalog } from "../catalog/parse-catalog.js";
import { createEngine, type Engine } from "../engine/create-engine.js";
import { type ConnectHostCaller, createConnectHostCaller } from "../host/connect-host-caller.js";
import { createTokenMinter, type TokenMinter } from "../host/token-minter.js";
import { createFileModuleStore } from "../store/file-module-store.js";
import { combineModuleStores, type ModuleStore } from "../store/module-store.js";
import { createS3ModuleStore } from "../store/s3-module-store.js";
import { type CircuitBreakers, createCircuitBreakers } from "./circuit-breaker.js";
import { type ColdFetch, createExtensionLoader, type ExtensionLoader } from "./extension-loader.js";
import { createRuntimeMetrics, extensionLabels, type RuntimeMetrics } from "./runtime-metrics.js";
import type { RuntimeSettings } from "./runtime-settings.js";
import { createSloGuard, type SloRollbackRequester } from "./slo-guard.js";

/** The parts a caller of createRuntime may give; each one left out is made here from the settings. */
export interface GivenRuntimeParts {
  logger?: Logger | undefined;
  store?: ModuleStore | undefined;
  engine?: Engine | undefined;
  fetch?: typeof fetch | undefined;
  defaultMetrics?: boolean | undefined;
  /** Traces invocations, module fetches and host calls. Default none: no tracing work at all. */
  tracer?: Tracer | undefined;
  /** Asks the registry to roll back a version whose SLO burns fast (slo-guard.ts). Unset: no auto-rollback. */
  sloRollback?: SloRollbackRequester | undefined;
}

/** The collaborators of a runtime, wired to its log and metrics. */
export interface RuntimeParts {
  logger: Logger;
  metrics: RuntimeMetrics;
  engine: Engine;
  /** True when the engine was made here (the runtime then closes it). */
  ownEngine: boolean;
  store: ModuleStore;
  minter: TokenMinter;
  breakers: CircuitBreakers;
  loader: ExtensionLoader;
  hostCaller: ConnectHostCaller;
}

/**
 * The defaults wiring of a runtime: pino to stdout, an engine that loads in a
 * worker, the file store plus S3, the token minter (the signing key imported
 * or made for this process), the breakers, the loader and the host caller,
 * each reporting to the metrics and the log. `catalog` reads the catalog in
 * force (the host caller's endpoints follow it).
 */
export async function createRuntimeParts(
  given: GivenRuntimeParts,
  settings: RuntimeSettings,
  catalog: () => Catalog,
): Promise<RuntimeParts> {
  const logger =
    given.logger ??
    pino({
      level: settings.logLevel,
      base: { service: "ameide-ext-runtime" },
      timestamp: pino.stdTimeFunctions.isoTime,
    });
  const metrics = createRuntimeMetrics({ defaultMetrics: given.defaultMetrics });
  const engine = given.engine ?? defaultEngine(settings);
  const store = given.store ?? defaultStore(settings);
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
  const plain = createCircuitBreakers({
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
  // Every breaker also counts its version against its SLO: a fast burn trips it (and may roll back).
  const breakers = createSloGuard({
    breakers: plain,
    catalog,
    registry: metrics.registry,
    logger,
    rollback: given.sloRollback,
  });
  const loader = createExtensionLoader({
    engine,
    store,
    capacity: settings.moduleCacheEntries,
    onColdFetch: (fetched) => reportColdFetch(fetched, metrics, logger),
    tracer: given.tracer,
  });
  const hostCaller = createConnectHostCaller({
    endpoints: () => catalog().hostServices,
    minter,
    fetch: given.fetch,
    onCall: (c) => metrics.hostCall(c.service, c.method, c.code, c.durationMs / 1000),
    tracer: given.tracer,
  });
  return {
    logger,
    metrics,
    engine,
    ownEngine: given.engine === undefined,
    store,
    minter,
    breakers,
    loader,
    hostCaller,
  };
}

/** The engine of a runtime: loads in a worker with a time limit, so no catalog entry stalls the thread that serves. */
function defaultEngine(settings: RuntimeSettings): Engine {
  return createEngine({
    loadThread: {},
    pool: {
      ...(settings.pool.size !== undefined ? { size: settings.pool.size } : {}),
      ...(settings.pool.maxQueue !== undefined ? { maxQueue: settings.pool.maxQueue } : {}),
      ...(settings.pool.workerHeapMb !== undefined ? { workerHeapMb: settings.pool.workerHeapMb } : {}),
    },
  });
}

/** The module store of a runtime: the file store at `store.root`, plus S3 for `s3://` refs. */
function defaultStore(settings: RuntimeSettings): ModuleStore {
  return combineModuleStores([
    createFileModuleStore({ root: settings.store.root }),
    createS3ModuleStore({
      endpoint: settings.store.s3.endpoint,
      region: settings.store.s3.region,
      forcePathStyle: settings.store.s3.forcePathStyle,
      fetchTimeoutMs: settings.store.s3.fetchTimeoutMs,
      credentials: settings.store.s3.credentials,
    }),
  ]);
}

/** Counts a module fetch and logs it: an integrity failure as an error, another failure as a warning. */
function reportColdFetch(fetched: ColdFetch, metrics: RuntimeMetrics, logger: Logger): void {
  const { entry, durationMs, error } = fetched;
  metrics.coldFetch(entry.ref.scheme, durationMs / 1000, error === undefined);
  if (error?.reason === "integrity") {
    metrics.integrityFailure(extensionLabels(entry));
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
}
