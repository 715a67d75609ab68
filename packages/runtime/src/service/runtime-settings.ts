import { ExtensionError, LIMIT_BOUNDS } from "@ameide-ext/contract";
import { parseCatalogObjectUrl } from "../catalog/catalog-object.js";
import type { CatalogFileRuntime } from "../catalog/catalog-schema.js";
import { type RecordingSettings, resolveRecordingSettings } from "../recording/recording-settings.js";
import { type AuthSettings, resolveAuthSettings } from "./auth-settings.js";
import {
  BATCH_CAP_BOUNDS,
  type BatchCaps,
  DEFAULT_BATCH_MAX_BYTES,
  DEFAULT_BATCH_MAX_INPUTS,
  DEFAULT_BATCH_MAX_MS,
} from "./batch-size.js";
import { DEFAULT_MAX_MEMORY_MB } from "./check-catalog-memory.js";

/** Log levels of the runtime's own log. */
export type RuntimeLogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** The runtime's settings, every default filled in. */
export interface RuntimeSettings {
  /** TCP port. Default 8080; 0 picks a free one. */
  port: number;
  /** Address to listen on. Default "127.0.0.1"; a container sets "0.0.0.0". */
  host: string;
  /** Unix domain socket to listen on as well (spec 479 §10.4). Default none. */
  socket: string | undefined;
  /** Level of the runtime's log. Default "info" (one line per invocation). */
  logLevel: RuntimeLogLevel;
  /** Fetch and compile every catalog entry at start and after each reload; /readyz waits for the first pass. Default true. */
  preload: boolean;
  /** Loaded extensions kept in memory. Default 256. */
  moduleCacheEntries: number;
  /** Longest wait for in-flight invocations on shutdown, in milliseconds. Default 10,000. */
  shutdownGraceMs: number;
  /** The worker pool: size (default: cores, at most 4), queue bound, heap per worker. */
  pool: { size?: number | undefined; maxQueue?: number | undefined; workerHeapMb?: number | undefined };
  /**
   * The inline slice, in microseconds of CPU (as fuel: FUEL_PER_CPU_MILLI / 1000 per µs). A low-tier
   * invocation (no host calls: its only effect is its result) first runs on the service's own thread
   * with at most this much fuel, which skips the worker round trip; when the slice runs out before the
   * guest finishes, the invocation runs again in full in the pool, and that extension version goes
   * straight to the pool for the next minute. Runs that finish within the slice's fuel but take
   * longer than the slice (+ INLINE_TOLERANCE_MS) in wall time do the same (createOverrunJudge: at
   * once for a gross overrun, else on the second of three), and its breaker counts it. While that thread is busy (event loop over 75% utilised in the last 100 ms),
   * the slice is skipped and the pool's workers take the work. 0 sends every invocation to the pool.
   * Default 100, bounds 0..10,000.
   */
  inlineSliceUs: number;
  /**
   * Caps of one InvokeExtensionBatch, checked before any of its inputs runs
   * (`invalid_argument / batch_size`): inputs at most (default 1,000, bounds
   * 1..100,000) and input bytes in all (default 4 MiB, bounds 1 B..64 MiB).
   */
  batch: BatchCaps;
  /** Connection timeouts and caps, on every listener. */
  connections: ConnectionSettings;
  /**
   * The most `memory_mb` a catalog entry may ask for, in MiB: a catalog with an
   * entry over it is refused at load (`invalid_argument / invalid_limits`), and
   * a reload so refused leaves the previous catalog in force. Each guest
   * thread may hold that much memory per instance. Default 256
   * ({@link DEFAULT_MAX_MEMORY_MB}), bounds 1..1024.
   */
  maxMemoryMb: number;
  /** The module stores. */
  store: {
    /** Folder of the file store (relative refs resolve against it; file:// refs must lie inside it). */
    root: string | undefined;
    /** S3 / MinIO. Credentials only from the environment. */
    s3: {
      endpoint: string | undefined;
      region: string | undefined;
      forcePathStyle: boolean | undefined;
      fetchTimeoutMs: number | undefined;
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    };
  };
  /** Circuit breakers per extension version. */
  circuitBreaker: { failureThreshold: number; coolDownMs: number };
  /** Host-call tokens. */
  hostCalls: { tokenTtlSeconds: number; issuer: string; signingKeyPem: string | undefined };
  /** Guest log lines copied into the runtime's log line per invocation, and their length. */
  guestLogs: { maxLines: number; maxChars: number };
  /** Who may call InvokeExtension over the network, for which tenants (see auth-settings.ts). */
  auth: AuthSettings;
  /** Recorded invocations: where, and their caps (recording-settings.ts). */
  recordings: RecordingSettings;
  /** The catalog from object storage (docs/runtime-service.md, "Catalog from object storage"). */
  catalog: CatalogSourceSettings;
}

/** Where the catalog's entries come from when not from the config file, and how often it is polled. */
export interface CatalogSourceSettings {
  /**
   * `s3://<bucket>/<key>` of the environment's catalog object (what the registry publishes, e.g.
   * s3://extensions/catalogs/dev.json), read with the `store.s3` connection and credentials.
   * Unset (the default): the config file's own `extensions` and `latest`, hot-reloaded from the file.
   */
  source: string | undefined;
  /** Time between two conditional GETs, in milliseconds. Default 5,000, bounds 50..3,600,000. */
  pollIntervalMs: number;
  /** Up to this much more, at random, before each poll, in milliseconds. Default 1,000, bounds 0..600,000. */
  pollJitterMs: number;
}

/** Defaults of {@link CatalogSourceSettings}' poll. */
export const CATALOG_POLL_DEFAULTS = Object.freeze({ pollIntervalMs: 5_000, pollJitterMs: 1_000 });

/**
 * Connection timeouts and caps (docs/runtime-service.md, "Connections"): a
 * connection that says nothing, or too little, is closed; a peer cannot hold
 * every file descriptor.
 */
export interface ConnectionSettings {
  /**
   * Time for a new connection's first bytes (which tell HTTP/1.1 from HTTP/2) and, for HTTP/2,
   * for its first stream after the preface, in milliseconds. Default 10,000.
   */
  sniffTimeoutMs: number;
  /** HTTP/1.1: time to receive a request's headers, in milliseconds. Default 10,000. */
  headersTimeoutMs: number;
  /** Time to receive a whole request (headers and body), in milliseconds: HTTP/1.1 and each HTTP/2 stream. Default 60,000. */
  requestTimeoutMs: number;
  /** Time an HTTP/1.1 keep-alive connection or an HTTP/2 session with no request open stays, in milliseconds. Default 65,000. */
  idleTimeoutMs: number;
  /** Connections each listener keeps open at most; more are closed on arrival. Default 10,000. */
  max: number;
  /** TCP connections one remote address keeps open at most; more are closed on arrival. Default 1,024. */
  maxPerPeer: number;
}

/** The defaults of {@link ConnectionSettings}. */
export const CONNECTION_DEFAULTS: Readonly<ConnectionSettings> = Object.freeze({
  sniffTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 65_000,
  max: 10_000,
  maxPerPeer: 1024,
});

/** Overrides from the command line, which win over the environment and the file. */
export interface SettingsOverrides {
  port?: number | undefined;
  host?: string | undefined;
  socket?: string | undefined;
}

const LOG_LEVELS: readonly RuntimeLogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function envInt(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ExtensionError(
      "invalid_argument",
      `${name} is ${JSON.stringify(text)}, it must be an integer from ${min} to ${max}`,
      "invalid_manifest",
      { variable: name },
    );
  return n;
}

function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw new ExtensionError(
    "invalid_argument",
    `${name} is ${JSON.stringify(text)}, it must be true or false`,
    "invalid_manifest",
    { variable: name },
  );
}

function envText(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const text = env[name];
  return text === undefined || text === "" ? undefined : text;
}

function resolveConnections(file: CatalogFileRuntime["connections"] = {}): ConnectionSettings {
  const d = CONNECTION_DEFAULTS;
  const headersTimeoutMs = file.headers_timeout_ms ?? d.headersTimeoutMs;
  const requestTimeoutMs = file.request_timeout_ms ?? Math.max(d.requestTimeoutMs, headersTimeoutMs);
  if (requestTimeoutMs < headersTimeoutMs)
    throw new ExtensionError(
      "invalid_argument",
      `connections.request_timeout_ms is ${requestTimeoutMs}, it must be at least headers_timeout_ms (${headersTimeoutMs})`,
      "invalid_manifest",
    );
  return {
    sniffTimeoutMs: file.sniff_timeout_ms ?? d.sniffTimeoutMs,
    headersTimeoutMs,
    requestTimeoutMs,
    idleTimeoutMs: file.idle_timeout_ms ?? d.idleTimeoutMs,
    max: file.max ?? d.max,
    maxPerPeer: file.max_per_peer ?? d.maxPerPeer,
  };
}

function resolveCatalogSource(
  file: CatalogFileRuntime["catalog"] = {},
  env: NodeJS.ProcessEnv,
): CatalogSourceSettings {
  const source = envText(env, "AMEIDE_RUNTIME_CATALOG_SOURCE") ?? file.source;
  if (source !== undefined)
    parseCatalogObjectUrl(
      source,
      envText(env, "AMEIDE_RUNTIME_CATALOG_SOURCE")
        ? "AMEIDE_RUNTIME_CATALOG_SOURCE"
        : "runtime.catalog.source",
    );
  return {
    source,
    pollIntervalMs:
      envInt(env, "AMEIDE_RUNTIME_CATALOG_POLL_MS", 50, 3_600_000) ??
      file.poll_interval_ms ??
      CATALOG_POLL_DEFAULTS.pollIntervalMs,
    pollJitterMs:
      envInt(env, "AMEIDE_RUNTIME_CATALOG_JITTER_MS", 0, 600_000) ??
      file.poll_jitter_ms ??
      CATALOG_POLL_DEFAULTS.pollJitterMs,
  };
}

/**
 * Resolves the settings: command-line overrides, then the environment, then
 * the catalog file's `runtime` section, then the defaults. Secrets (S3
 * credentials, the signing key) come from the environment only: the catalog
 * is a ConfigMap. See docs/runtime-service.md for every variable.
 */
export function resolveRuntimeSettings(
  file: Readonly<CatalogFileRuntime> = {},
  env: NodeJS.ProcessEnv = {},
  overrides: SettingsOverrides = {},
): RuntimeSettings {
  const logLevel = envText(env, "AMEIDE_RUNTIME_LOG_LEVEL") ?? file.log_level ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new ExtensionError(
      "invalid_argument",
      `log level is ${JSON.stringify(logLevel)}, it must be one of ${LOG_LEVELS.join(", ")}`,
      "invalid_manifest",
    );
  const accessKeyId = envText(env, "AMEIDE_S3_ACCESS_KEY_ID");
  const secretAccessKey = envText(env, "AMEIDE_S3_SECRET_ACCESS_KEY");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
    throw new ExtensionError(
      "invalid_argument",
      "AMEIDE_S3_ACCESS_KEY_ID and AMEIDE_S3_SECRET_ACCESS_KEY must be set together",
      "invalid_manifest",
    );
  const port = overrides.port ?? envInt(env, "AMEIDE_RUNTIME_PORT", 0, 65_535) ?? file.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ExtensionError(
      "invalid_argument",
      `port is ${port}, it must be from 0 to 65535`,
      "invalid_manifest",
    );
  return {
    port,
    host: overrides.host ?? envText(env, "AMEIDE_RUNTIME_HOST") ?? file.host ?? "127.0.0.1",
    socket: overrides.socket ?? envText(env, "AMEIDE_RUNTIME_SOCKET") ?? file.socket,
    logLevel: logLevel as RuntimeLogLevel,
    preload: envBool(env, "AMEIDE_RUNTIME_PRELOAD") ?? file.preload ?? true,
    moduleCacheEntries: file.module_cache_entries ?? 256,
    shutdownGraceMs:
      envInt(env, "AMEIDE_RUNTIME_SHUTDOWN_GRACE_MS", 0, 600_000) ?? file.shutdown_grace_ms ?? 10_000,
    inlineSliceUs: envInt(env, "AMEIDE_RUNTIME_INLINE_SLICE_US", 0, 10_000) ?? file.inline_slice_us ?? 100,
    batch: {
      maxInputs:
        envInt(
          env,
          "AMEIDE_RUNTIME_BATCH_MAX_INPUTS",
          BATCH_CAP_BOUNDS.maxInputs.min,
          BATCH_CAP_BOUNDS.maxInputs.max,
        ) ??
        file.batch?.max_inputs ??
        DEFAULT_BATCH_MAX_INPUTS,
      maxBytes:
        envInt(
          env,
          "AMEIDE_RUNTIME_BATCH_MAX_BYTES",
          BATCH_CAP_BOUNDS.maxBytes.min,
          BATCH_CAP_BOUNDS.maxBytes.max,
        ) ??
        file.batch?.max_bytes ??
        DEFAULT_BATCH_MAX_BYTES,
      maxMs:
        envInt(env, "AMEIDE_RUNTIME_BATCH_MAX_MS", BATCH_CAP_BOUNDS.maxMs.min, BATCH_CAP_BOUNDS.maxMs.max) ??
        file.batch?.max_ms ??
        DEFAULT_BATCH_MAX_MS,
    },
    connections: resolveConnections(file.connections),
    maxMemoryMb:
      envInt(env, "AMEIDE_RUNTIME_MAX_MEMORY_MB", 1, LIMIT_BOUNDS.memoryMb.max) ??
      file.max_memory_mb ??
      DEFAULT_MAX_MEMORY_MB,
    pool: {
      size: envInt(env, "AMEIDE_RUNTIME_POOL_SIZE", 1, 64) ?? file.pool?.size,
      maxQueue: file.pool?.max_queue,
      workerHeapMb: file.pool?.worker_heap_mb,
    },
    store: {
      root: envText(env, "AMEIDE_STORE_ROOT") ?? file.store?.root,
      s3: {
        endpoint: envText(env, "AMEIDE_S3_ENDPOINT") ?? file.store?.s3?.endpoint,
        region: envText(env, "AMEIDE_S3_REGION") ?? file.store?.s3?.region ?? envText(env, "AWS_REGION"),
        forcePathStyle: envBool(env, "AMEIDE_S3_FORCE_PATH_STYLE") ?? file.store?.s3?.force_path_style,
        fetchTimeoutMs: file.store?.s3?.fetch_timeout_ms,
        credentials:
          accessKeyId !== undefined && secretAccessKey !== undefined
            ? { accessKeyId, secretAccessKey }
            : undefined,
      },
    },
    circuitBreaker: {
      failureThreshold: file.circuit_breaker?.failure_threshold ?? 5,
      coolDownMs: file.circuit_breaker?.cool_down_ms ?? 30_000,
    },
    hostCalls: {
      tokenTtlSeconds: file.host_calls?.token_ttl_seconds ?? 30,
      issuer: file.host_calls?.issuer ?? "ameide-ext-runtime",
      signingKeyPem: envText(env, "AMEIDE_RUNTIME_SIGNING_KEY"),
    },
    guestLogs: {
      maxLines: file.guest_logs?.max_lines ?? 20,
      maxChars: file.guest_logs?.max_chars ?? 512,
    },
    auth: resolveAuthSettings(file.auth, envText(env, "AMEIDE_RUNTIME_AUTH_MODE")),
    recordings: resolveRecordingSettings(
      file.recordings,
      envText(env, "AMEIDE_STORE_ROOT") ?? file.store?.root,
      env,
    ),
    catalog: resolveCatalogSource(file.catalog, env),
  };
}
