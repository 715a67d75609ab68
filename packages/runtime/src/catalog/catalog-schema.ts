import {
  EXTENSION_KINDS,
  LIMIT_BOUNDS,
  MAX_HOST_CALLS_PER_INVOCATION,
  RISK_TIERS,
} from "@ameide-ext/contract";
import { S3_SETTINGS_SCHEMA, type S3SettingsFile } from "../store/s3-settings.js";

/** One extension version in the catalog file, as written (snake_case, like the Helm values). */
export interface CatalogFileEntry {
  tenant_id: string;
  extension_id: string;
  /** A string: "3", "1.10". "latest" is reserved. */
  version: string;
  kind: (typeof EXTENSION_KINDS)[number];
  /** `s3://…`, `file:///…` or a root-relative path, always with `#sha256=<hex>`. */
  wasm_blob_ref: string;
  risk_tier: (typeof RISK_TIERS)[number];
  limits?: {
    cpu_millis?: number;
    memory_mb?: number;
    timeout_ms?: number;
    host_calls_per_invocation?: number;
  };
  host_calls?: Array<{ service: string; method: string; read_only?: boolean }>;
  /** Kill switch: true refuses every invocation of this version (`failed_precondition/disabled`). */
  disabled?: boolean;
  /** Recorded invocations of this version (docs/runtime-service.md, "Recordings"). */
  recording?: CatalogFileRecording;
  /** The version's service level objective, watched by burn rates (docs/runtime-service.md, "SLOs"). */
  slo?: CatalogFileSlo;
}

/** How a version's invocations are recorded: every error, and this fraction of its successes. */
export interface CatalogFileRecording {
  /** Fraction of successful invocations recorded, 0..1. Default 0.01 (1%). Errors are always recorded. */
  sample?: number;
  /** True: the input is never stored, only its sha256 (such a recording cannot be replayed). Default false. */
  sensitive_input?: boolean;
}

/** A service level objective of one extension version (spec 479 §6.5). */
export interface CatalogFileSlo {
  /** The share of invocations that may fail technically, e.g. 0.01 (1%). Bounds SLO_BOUNDS.errorRate. */
  error_rate: number;
  /** The 99th percentile latency objective in milliseconds: at most 1% of invocations slower. Optional. */
  p99_ms?: number;
  /** The fast-burn window, e.g. "1h" (default): fast burn over it and 1/12 of it, slow burn over 6× and 1/2. */
  window?: string;
  /** A fast burn also asks the registry to roll the environment back to the previous version. Default false. */
  auto_rollback?: boolean;
}

/** The bounds of an SLO's fields. */
export const SLO_BOUNDS = Object.freeze({
  errorRate: { min: 0.0001, max: 0.5 },
  p99Ms: { min: 1, max: 600_000 },
  /** The window: 1 minute to 7 days, as `<n>m`, `<n>h` or `<n>d`. */
  windowMs: { min: 60_000, max: 7 * 86_400_000 },
});

/** JSON Schema of {@link CatalogFileSlo}. */
export const SLO_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["error_rate"],
  properties: {
    error_rate: { type: "number", minimum: SLO_BOUNDS.errorRate.min, maximum: SLO_BOUNDS.errorRate.max },
    p99_ms: { type: "integer", minimum: SLO_BOUNDS.p99Ms.min, maximum: SLO_BOUNDS.p99Ms.max },
    window: { type: "string", pattern: "^[1-9][0-9]{0,5}[mhd]$" },
    auto_rollback: { type: "boolean" },
  },
} as const;

/** Where the host calls to one service go. */
export interface CatalogFileHostService {
  /** Base URL of the service's Connect endpoint, e.g. "http://crm.ameide-dev:8080". */
  url: string;
}

/** Runtime settings in the catalog file: read at start; a change needs a restart. */
export interface CatalogFileRuntime {
  port?: number;
  host?: string;
  socket?: string;
  log_level?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  preload?: boolean;
  module_cache_entries?: number;
  shutdown_grace_ms?: number;
  pool?: { size?: number; max_queue?: number; worker_heap_mb?: number };
  inline_slice_us?: number;
  /** Caps of one InvokeExtensionBatch (docs/runtime-service.md, "Batch"). */
  batch?: { max_inputs?: number; max_bytes?: number; max_ms?: number };
  /** Connection timeouts and caps (docs/runtime-service.md, "Connections"). */
  connections?: {
    sniff_timeout_ms?: number;
    headers_timeout_ms?: number;
    request_timeout_ms?: number;
    idle_timeout_ms?: number;
    max?: number;
    max_per_peer?: number;
  };
  /** The most `memory_mb` any catalog entry may ask for (docs/runtime-service.md). */
  max_memory_mb?: number;
  store?: {
    root?: string;
    /** S3 / MinIO ({@link S3SettingsFile}), and how long one fetch may take, in milliseconds. */
    s3?: S3SettingsFile & { fetch_timeout_ms?: number };
  };
  circuit_breaker?: { failure_threshold?: number; cool_down_ms?: number };
  host_calls?: { token_ttl_seconds?: number; issuer?: string };
  guest_logs?: { max_lines?: number; max_chars?: number };
  /** Who may call InvokeExtension, for which tenants (docs/runtime-service.md, "Authentication"). */
  auth?: CatalogFileAuth;
  /** The catalog from object storage (docs/runtime-service.md, "Catalog from object storage"). */
  catalog?: { source?: string; poll_interval_ms?: number; poll_jitter_ms?: number };
  /** Where recorded invocations go, and their caps (docs/runtime-service.md, "Recordings"). */
  recordings?: CatalogFileRecordings;
}

/** The `runtime.recordings` section. */
export interface CatalogFileRecordings {
  /** A folder, or `s3://<bucket>[/<prefix>]`. Default: the file store's root (`store.root`); none: recordings off. */
  location?: string;
  /** False switches recording off. Default true. */
  enabled?: boolean;
  /** Largest recording kept, in bytes; a larger one is dropped and counted. Default 262,144 (256 KiB). */
  max_bytes?: number;
  /** Bytes of recordings one tenant may write per UTC day; past it they are dropped and counted. Default 67,108,864 (64 MiB). */
  tenant_daily_bytes?: number;
  /** Recordings waiting to be written; when full, new ones are dropped and counted. Default 1,000. */
  queue?: number;
}

/** One trusted token issuer: tokens it signs are verified with its JWKS. */
export interface CatalogFileIssuer {
  /** The `iss` claim its tokens carry. */
  issuer: string;
  /** The `aud` claim tokens for this runtime carry. */
  audience: string;
  /** Its JWKS URL (fetched and cached). One of `jwks_uri` and `jwks_file`. */
  jwks_uri?: string;
  /** A JWKS file on the runtime's disk, for offline use (the dev stack). */
  jwks_file?: string;
  /** Signature algorithms accepted. Default ["RS256", "ES256", "EdDSA"]. */
  algorithms?: string[];
}

/** The `runtime.auth` section. */
export interface CatalogFileAuth {
  /** `jwt` (the default): callers present a bearer token. `insecure_local`: anyone is trusted for any tenant (a developer's machine only). */
  mode?: "jwt" | "insecure_local";
  issuers?: CatalogFileIssuer[];
  /** The claim listing the tenants a caller may act for ("*": every tenant). Default "ameide_tenants". */
  tenants_claim?: string;
  /** The claim of an end user's token naming the user's tenant. Default "tenant". */
  user_tenant_claim?: string;
  /** Callers on the Unix domain socket without a token act as this principal (the socket's file mode is the access control). */
  socket_peer?: { principal: string; tenants: string[] };
}

/** The catalog file: Helm values → ConfigMap → this file. */
export interface CatalogFile {
  /** The environment this runtime serves: dev, staging, prod. */
  env?: string;
  extensions: CatalogFileEntry[];
  /** Rollback pins: `"<tenant>/<extension>": "<version>"` makes "latest" resolve to that version. */
  latest?: Record<string, string>;
  /**
   * Consumer pins (the registry's Pin): `"<tenant>/<extension>": { "<consumer_ref>": "<version>" }` makes
   * "latest" resolve to that version for a request whose `consumer_ref` is that consumer
   * (`process:<id>`, `domain:<domain>/<point>`, `agent:<id>`).
   */
  pins?: Record<string, Record<string, string>>;
  /** Endpoints of the services host calls may reach, by fully qualified service name. */
  host_services?: Record<string, CatalogFileHostService>;
  runtime?: CatalogFileRuntime;
}

const ID = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";
const VERSION = "^(?!latest$)[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$";
const SERVICE = "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$";
const METHOD = "^[A-Za-z_][A-Za-z0-9_]*$";
/** A consumer of a pin: `process:<id>`, `domain:<domain>/<point>` or `agent:<id>`, at most 256 characters. */
export const CONSUMER_REF = "^(process|domain|agent):[^\\s]{1,248}$";
const int = (min: number, max: number) => ({ type: "integer", minimum: min, maximum: max }) as const;

const TENANTS = {
  type: "array",
  maxItems: 10_000,
  items: { type: "string", pattern: `^(\\*|${ID.slice(1, -1)})$` },
} as const;

/** JSON Schema of {@link CatalogFileAuth}. */
const AUTH_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    mode: { enum: ["jwt", "insecure_local"] },
    issuers: {
      type: "array",
      maxItems: 32,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["issuer", "audience"],
        properties: {
          issuer: { type: "string", minLength: 1, maxLength: 1024 },
          audience: { type: "string", minLength: 1, maxLength: 1024 },
          jwks_uri: { type: "string", pattern: "^https?://[^\\s]+$" },
          jwks_file: { type: "string", minLength: 1 },
          algorithms: {
            type: "array",
            minItems: 1,
            items: { enum: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA", "Ed25519"] },
          },
        },
      },
    },
    tenants_claim: { type: "string", minLength: 1, maxLength: 128 },
    user_tenant_claim: { type: "string", minLength: 1, maxLength: 128 },
    socket_peer: {
      type: "object",
      additionalProperties: false,
      required: ["principal", "tenants"],
      properties: { principal: { type: "string", minLength: 1, maxLength: 256 }, tenants: TENANTS },
    },
  },
} as const;

/** JSON Schema (draft 2020-12 subset that ajv checks) of {@link CatalogFile}. */
export const CATALOG_SCHEMA = {
  $id: "https://ameide.io/schemas/ameide-ext/runtime-catalog.json",
  title: "ameide-ext runtime catalog",
  type: "object",
  additionalProperties: false,
  required: ["extensions"],
  properties: {
    env: { type: "string", minLength: 1, maxLength: 32 },
    extensions: {
      type: "array",
      maxItems: 100_000,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["tenant_id", "extension_id", "version", "kind", "wasm_blob_ref", "risk_tier"],
        properties: {
          tenant_id: { type: "string", pattern: ID },
          extension_id: { type: "string", pattern: ID },
          version: { type: "string", pattern: VERSION },
          kind: { enum: [...EXTENSION_KINDS] },
          wasm_blob_ref: { type: "string", minLength: 1, maxLength: 2048 },
          risk_tier: { enum: [...RISK_TIERS] },
          limits: {
            type: "object",
            additionalProperties: false,
            properties: {
              cpu_millis: int(LIMIT_BOUNDS.cpuMillis.min, LIMIT_BOUNDS.cpuMillis.max),
              memory_mb: int(LIMIT_BOUNDS.memoryMb.min, LIMIT_BOUNDS.memoryMb.max),
              timeout_ms: int(LIMIT_BOUNDS.timeoutMs.min, LIMIT_BOUNDS.timeoutMs.max),
              host_calls_per_invocation: int(0, MAX_HOST_CALLS_PER_INVOCATION),
            },
          },
          host_calls: {
            type: "array",
            maxItems: 256,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["service", "method"],
              properties: {
                service: { type: "string", pattern: SERVICE, maxLength: 256 },
                method: { type: "string", pattern: METHOD, maxLength: 128 },
                read_only: { type: "boolean" },
              },
            },
          },
          disabled: { type: "boolean" },
          recording: {
            type: "object",
            additionalProperties: false,
            properties: {
              sample: { type: "number", minimum: 0, maximum: 1 },
              sensitive_input: { type: "boolean" },
            },
          },
          slo: SLO_SCHEMA,
        },
      },
    },
    latest: {
      type: "object",
      propertyNames: { pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}/[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" },
      additionalProperties: { type: "string", pattern: VERSION },
    },
    pins: {
      type: "object",
      propertyNames: { pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}/[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" },
      additionalProperties: {
        type: "object",
        maxProperties: 10_000,
        propertyNames: { pattern: CONSUMER_REF },
        additionalProperties: { type: "string", pattern: VERSION },
      },
    },
    host_services: {
      type: "object",
      propertyNames: { pattern: SERVICE },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        required: ["url"],
        properties: { url: { type: "string", pattern: "^https?://[^\\s]+$" } },
      },
    },
    runtime: {
      type: "object",
      additionalProperties: false,
      properties: {
        port: int(0, 65_535),
        host: { type: "string", minLength: 1 },
        socket: { type: "string", minLength: 1 },
        log_level: { enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"] },
        preload: { type: "boolean" },
        module_cache_entries: int(1, 100_000),
        shutdown_grace_ms: int(0, 600_000),
        pool: {
          type: "object",
          additionalProperties: false,
          properties: {
            size: int(1, 64),
            max_queue: int(1, 1_000_000),
            worker_heap_mb: int(16, 16_384),
          },
        },
        inline_slice_us: int(0, 10_000),
        batch: {
          type: "object",
          additionalProperties: false,
          properties: {
            max_inputs: int(1, 100_000),
            max_bytes: int(1, 64 * 1024 * 1024),
            max_ms: int(1, 3_600_000),
          },
        },
        connections: {
          type: "object",
          additionalProperties: false,
          properties: {
            sniff_timeout_ms: int(1, 600_000),
            headers_timeout_ms: int(1, 600_000),
            request_timeout_ms: int(1, 3_600_000),
            idle_timeout_ms: int(1, 3_600_000),
            max: int(1, 1_000_000),
            max_per_peer: int(1, 1_000_000),
          },
        },
        max_memory_mb: int(1, LIMIT_BOUNDS.memoryMb.max),
        store: {
          type: "object",
          additionalProperties: false,
          properties: {
            root: { type: "string", minLength: 1 },
            s3: {
              ...S3_SETTINGS_SCHEMA,
              properties: { ...S3_SETTINGS_SCHEMA.properties, fetch_timeout_ms: int(1, 120_000) },
            },
          },
        },
        circuit_breaker: {
          type: "object",
          additionalProperties: false,
          properties: { failure_threshold: int(1, 10_000), cool_down_ms: int(1, 3_600_000) },
        },
        host_calls: {
          type: "object",
          additionalProperties: false,
          properties: { token_ttl_seconds: int(1, 60), issuer: { type: "string", minLength: 1 } },
        },
        guest_logs: {
          type: "object",
          additionalProperties: false,
          properties: { max_lines: int(0, 1_000), max_chars: int(16, 65_536) },
        },
        auth: AUTH_SCHEMA,
        recordings: {
          type: "object",
          additionalProperties: false,
          properties: {
            location: { type: "string", minLength: 1, maxLength: 2048 },
            enabled: { type: "boolean" },
            max_bytes: int(1024, 64 * 1024 * 1024),
            tenant_daily_bytes: int(1024, 1024 * 1024 * 1024 * 1024),
            queue: int(1, 1_000_000),
          },
        },
        catalog: {
          type: "object",
          additionalProperties: false,
          properties: {
            source: { type: "string", pattern: "^s3://[^\\s]+$", maxLength: 1100 },
            poll_interval_ms: int(50, 3_600_000),
            poll_jitter_ms: int(0, 600_000),
          },
        },
      },
    },
  },
} as const;
