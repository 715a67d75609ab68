/**
 * @ameide-ext/runtime: the WasmExtensionRuntime engine. It loads components of
 * the world `ameide:extension/extension@1.0.0`, verifies and meters them, and
 * runs `run(input-json)` with fuel, memory, stack, time, size and host-call
 * limits enforced.
 *
 * This index is the end-user API. What only our own packages use is
 * `@ameide-ext/runtime/internal`; test support is `@ameide-ext/runtime/testing`
 * (sources only, not in dist).
 */

export type {
  CostClass,
  ErrorCode,
  ErrorReason,
  ExtensionErrorData,
  ExtensionLimits,
  RiskTier,
  SizeLimits,
} from "@ameide-ext/contract";
export {
  COST_MODEL,
  DEFAULT_LIMITS,
  DEFAULT_SIZE_LIMITS,
  ERROR_CODES,
  ERROR_REASON_HEADER,
  ERROR_REASONS,
  ExtensionError,
  FUEL_PER_CPU_MILLI,
  FUEL_PER_HOST_BYTE,
  fromConnectCode,
  fromConnectCodeName,
  fromConnectError,
  isExtensionError,
  LIMIT_BOUNDS,
  RESTORE_FREE_BYTES,
  restoreFuel,
  toConnectCode,
  toConnectError,
} from "@ameide-ext/contract";
export type { CatalogObjectFetch, CatalogObjectUrl } from "./catalog/catalog-object.js";
export {
  CATALOG_OBJECT_SECTIONS,
  CATALOG_SHA256_METADATA,
  catalogFromObject,
  createCatalogObjectClient,
  fetchCatalogObject,
  parseCatalogObjectUrl,
} from "./catalog/catalog-object.js";
// The service (docs/runtime-service.md): catalog, module stores, governed host calls, the Connect server.
export type {
  CatalogFile,
  CatalogFileAuth,
  CatalogFileEntry,
  CatalogFileHostService,
  CatalogFileIssuer,
  CatalogFileRuntime,
  CatalogFileSlo,
} from "./catalog/catalog-schema.js";
export { CATALOG_SCHEMA, SLO_BOUNDS, SLO_SCHEMA } from "./catalog/catalog-schema.js";
export { compareVersions } from "./catalog/compare-versions.js";
export type {
  Catalog,
  CatalogEntry,
  HostServiceEndpoint,
  ParseCatalogOptions,
  SloSpec,
} from "./catalog/parse-catalog.js";
export { createCatalog, parseCatalog, windowMs } from "./catalog/parse-catalog.js";
export type { CatalogWatch, WatchCatalogFileOptions } from "./catalog/watch-catalog-file.js";
export { watchCatalogFile } from "./catalog/watch-catalog-file.js";
export type { WatchCatalogObjectOptions } from "./catalog/watch-catalog-object.js";
export { watchCatalogObject } from "./catalog/watch-catalog-object.js";
export { sha256Hex } from "./component/sha256-hex.js";
export type { Engine, EngineOptions, LoadedExtension, LoadOptions } from "./engine/create-engine.js";
export { createEngine } from "./engine/create-engine.js";
export { formatBytes } from "./engine/invoke/resolve-limits.js";
export type { ValidComponent } from "./engine/load/validate-component.js";
export { validateComponent } from "./engine/load/validate-component.js";
export type { WorkerPoolOptions } from "./engine/pool/worker-pool.js";
export type {
  BusinessError,
  ExecutionContext,
  GuestLogLine,
  HostCallHandler,
  HostCallPermission,
  HostCallPolicy,
  HostCallRequest,
  InlineAttempt,
  InlineBatchAttempt,
  InlineBatchRequest,
  InlineBatchRun,
  InlineBatchStop,
  InvocationResult,
  InvocationStats,
  InvokeRequest,
  Outcome,
} from "./engine/types.js";
export type {
  ConnectHostCaller,
  ConnectHostCallerOptions,
  HostCallInvocation,
  HostCallOutcome,
} from "./host/connect-host-caller.js";
export { createConnectHostCaller } from "./host/connect-host-caller.js";
export type { HostCallClaims, TokenMinter, TokenMinterOptions } from "./host/token-minter.js";
export { createTokenMinter, MAX_TOKEN_TTL_SECONDS } from "./host/token-minter.js";
export type {
  InvocationRecording,
  ParsedRecordingKey,
  RecordedHostCall,
} from "./recording/invocation-recording.js";
export {
  checkRecording,
  parseRecordingKey,
  RECORDING_FORMAT,
  recordingKey,
} from "./recording/invocation-recording.js";
export type { InvocationRecordings, RecordingDrop } from "./recording/invocation-recordings.js";
export type { RecordingSettings } from "./recording/recording-settings.js";
export type { AuthSettings, ConfiguredPrincipal, TrustedIssuer } from "./service/auth-settings.js";
export { resolveAuthSettings } from "./service/auth-settings.js";
export { authorizeRequest } from "./service/authorize-request.js";
export type { BatchCaps } from "./service/batch-size.js";
export {
  BATCH_CAP_BOUNDS,
  batchReadMaxBytes,
  checkBatchSize,
  DEFAULT_BATCH_MAX_BYTES,
  DEFAULT_BATCH_MAX_INPUTS,
  DEFAULT_BATCH_MAX_MS,
} from "./service/batch-size.js";
export type {
  CallerAuthenticator,
  CallerCredentials,
  CallerIdentity,
  Principal,
} from "./service/caller-authenticator.js";
export { createCallerAuthenticator, USER_TOKEN_HEADER } from "./service/caller-authenticator.js";
export type {
  CircuitBreakerOptions,
  CircuitBreakers,
  CircuitChange,
  CircuitPermit,
  CircuitState,
} from "./service/circuit-breaker.js";
export { createCircuitBreakers } from "./service/circuit-breaker.js";
export type { InvokeCallOptions, Runtime, RuntimeOptions } from "./service/create-runtime.js";
export { createRuntime } from "./service/create-runtime.js";
// Traces (docs/runtime-service.md, "Traces"): the OpenTelemetry SDK as the OTEL_* variables ask, and the span names.
export { SPAN_NAMES, traceContextOfHeaders } from "./service/invocation-tracing.js";
export type { CatalogObjectSource, RuntimeConfig } from "./service/load-runtime-config.js";
export { loadRuntimeConfig } from "./service/load-runtime-config.js";
export type {
  LocalTokenClaims,
  LocalTokenIssuer,
  LocalTokenIssuerOptions,
} from "./service/local-token-issuer.js";
export { createLocalTokenIssuer } from "./service/local-token-issuer.js";
export type { LogDestination } from "./service/log-destination.js";
export { createLogDestination, LOG_FLUSH_MS } from "./service/log-destination.js";
export { MAX_LISTED_RECORDINGS } from "./service/recording-routes.js";
export type { ExtensionLabels, RuntimeMetrics } from "./service/runtime-metrics.js";
export type {
  CatalogSourceSettings,
  ConnectionSettings,
  RuntimeLogLevel,
  RuntimeSettings,
  SettingsOverrides,
} from "./service/runtime-settings.js";
export { CATALOG_POLL_DEFAULTS, resolveRuntimeSettings } from "./service/runtime-settings.js";
export type { SloBurnReport, SloRollbackRequester } from "./service/slo-guard.js";
export type { SloRollbackClientOptions } from "./service/slo-rollback-client.js";
export { createSloRollbackClient } from "./service/slo-rollback-client.js";
export type { RuntimeServer, RuntimeServerOptions } from "./service/start-runtime-server.js";
export { startRuntimeServer } from "./service/start-runtime-server.js";
export type { Tracing, TracingSettings } from "./service/start-tracing.js";
export {
  DEFAULT_SERVICE_NAME,
  startTracing,
  TRACES_SAMPLERS,
  tracingSettingsFromEnv,
} from "./service/start-tracing.js";
export type { FileModuleStoreOptions } from "./store/file-module-store.js";
export { createFileModuleStore } from "./store/file-module-store.js";
export type { ModuleRef } from "./store/module-ref.js";
export { parseModuleRef } from "./store/module-ref.js";
export type { FetchModuleOptions, ModuleStore } from "./store/module-store.js";
export { combineModuleStores } from "./store/module-store.js";
export type { FileRecordingStoreOptions, RecordingStore } from "./store/recording-store.js";
export { createFileRecordingStore } from "./store/recording-store.js";
export type { S3ModuleStoreOptions } from "./store/s3-module-store.js";
export { createS3ModuleStore } from "./store/s3-module-store.js";
export type { S3RecordingStoreOptions } from "./store/s3-recording-store.js";
export { createS3RecordingStore } from "./store/s3-recording-store.js";
export type { S3Connection, S3SettingsFile } from "./store/s3-settings.js";
export { S3_SETTINGS_SCHEMA, s3ClientConfig } from "./store/s3-settings.js";
