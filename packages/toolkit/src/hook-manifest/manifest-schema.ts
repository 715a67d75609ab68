import {
  ABI,
  DEFAULT_LIMITS,
  EXTENSION_ID_PATTERN,
  EXTENSION_KINDS,
  type ExtensionKind,
  LIMIT_BOUNDS,
  MAX_HOST_CALLS_PER_INVOCATION,
  RISK_TIERS,
  type RiskTier,
} from "@ameide-ext/contract";
import { EXPECTED_KEYWORD } from "../json/validate-schema.js";

/** The manifest's file name in a hook's folder. */
export const MANIFEST_FILE = "extension.json";

/** A hook id (and so the `new` name): lowercase kebab-case, starting with a letter (the contract's id rule). */
export const HOOK_ID_PATTERN = EXTENSION_ID_PATTERN;

/** Bounds of a hook id's length. */
export const HOOK_ID_LENGTH = Object.freeze({ min: 3, max: 64 });

/** What `metadata.created_by` looks like: `user:<id>` or `agent:<id>`. */
export const CREATED_BY_PATTERN = "^(user|agent):\\S+$";

// The languages a hook can be written in: how `build` compiles `src/index.ts`.
// AssemblyScript compiles to one small core module; TypeScript is type-checked,
// bundled with its pure-JS dependencies and run by QuickJS inside the component.
import { HOOK_LANGUAGES, type HookLanguage } from "@ameide-ext/contract";

export { HOOK_LANGUAGES, type HookLanguage };

/** The language of a manifest without `lang`. */
export const DEFAULT_HOOK_LANGUAGE: HookLanguage = "assemblyscript";

/** A JSON Schema, as a plain object. */
export type JsonSchema = { readonly [key: string]: unknown };

/** The per-invocation limits of a manifest (`ExtensionDefinition.limits`), defaults filled in. */
export interface ManifestLimits {
  /** CPU budget in milliseconds, metered as fuel. Default 10, bounds 1..10000. */
  cpu_millis: number;
  /** Linear memory cap in MiB. Default 16, bounds 1..1024. */
  memory_mb: number;
  /** Wall-clock limit in milliseconds. Default 100, bounds 1..60000. */
  timeout_ms: number;
  /** Host calls per invocation; absent takes the risk tier's default (low 0, medium 1, high 8). At most 64. */
  host_calls_per_invocation?: number;
}

/** One host call the hook may make (`ExtensionDefinition.host_calls`). */
export interface ManifestHostCall {
  /** Fully qualified service, e.g. `ameide.crm.v1.AccountService`. */
  service: string;
  /** Method of the service, e.g. `GetChurnRisk`. */
  method: string;
  /** True when the method only reads; medium-tier hooks may call read-only methods only. Default false. */
  read_only: boolean;
}

/** A hook's manifest, `extension.json`: it mirrors `ExtensionDefinition` (spec 479 §3.1). Defaults filled in. */
export interface HookManifest {
  /** Editor hint; ignored. */
  $schema?: string;
  /** Stable id, lowercase kebab-case, 3..64 characters; names the built `dist/<id>.wasm`. */
  id: string;
  /** Which primitive calls the hook. */
  kind: ExtensionKind;
  /** The guest ABI; `json_in_json_out_v1` is the only one. */
  abi: typeof ABI;
  /** The language of `src/index.ts`, which decides how `build` compiles it. Default `assemblyscript`. */
  lang: HookLanguage;
  /** Version of the definition, a positive whole number as a string ("1"). */
  version: string;
  /** Per-invocation limits. */
  limits: ManifestLimits;
  /** Risk tier: low (no host calls), medium (read-only allowlisted calls), high (allowlisted calls). */
  risk_tier: RiskTier;
  /** For humans and search. */
  metadata: {
    /** What the hook does, in a sentence or two. */
    description: string;
    /** `user:<id>` or `agent:<id>`. */
    created_by: string;
    /** Labels, e.g. `l2o`. Default []. */
    tags: string[];
  };
  /** The allowlist of host calls. Default []: none, the only choice for risk tier low. */
  host_calls: ManifestHostCall[];
  /** JSON Schema (draft-07) of the input; `test` warns when a fixture's input does not match. */
  input_schema?: JsonSchema;
  /** JSON Schema (draft-07) of the output; `test` fails a case whose output does not match. */
  output_schema?: JsonSchema;
  /** The service level objective the runtime watches (docs/runtime-service.md, "SLOs"). Optional. */
  slo?: { error_rate: number; p99_ms?: number; window?: string; auto_rollback?: boolean };
}

const limit = (key: keyof typeof LIMIT_BOUNDS, description: string): JsonSchema => ({
  description,
  type: "integer",
  minimum: LIMIT_BOUNDS[key].min,
  maximum: LIMIT_BOUNDS[key].max,
  default: DEFAULT_LIMITS[key],
});

/**
 * The JSON Schema (draft-07) of `extension.json`. `ameide-ext build`, `test`
 * and `run` check every manifest against it (and a few rules across fields:
 * risk tier low takes no host calls, medium read-only ones only) and report
 * each problem with its field: `limits.memory_mb: must be <= 1024, got 2048`.
 */
export const MANIFEST_SCHEMA: JsonSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "ameide-ext hook manifest (extension.json)",
  description: "A hook's ExtensionDefinition (spec 479 §3.1): identity, limits, risk tier and host calls.",
  type: "object",
  required: ["id", "kind", "abi", "version", "risk_tier", "metadata"],
  additionalProperties: false,
  properties: {
    $schema: { description: "Editor hint; ignored.", type: "string" },
    id: {
      description: "Stable id of the hook; names dist/<id>.wasm.",
      type: "string",
      minLength: HOOK_ID_LENGTH.min,
      maxLength: HOOK_ID_LENGTH.max,
      pattern: HOOK_ID_PATTERN,
      [EXPECTED_KEYWORD]: `lowercase kebab-case, ${HOOK_ID_LENGTH.min} to ${HOOK_ID_LENGTH.max} characters (e.g. "deal-approval")`,
    },
    kind: { description: "Which primitive calls the hook.", type: "string", enum: [...EXTENSION_KINDS] },
    abi: { description: "The guest ABI.", type: "string", const: ABI },
    lang: {
      description: "The language of src/index.ts, which decides how build compiles it.",
      type: "string",
      enum: [...HOOK_LANGUAGES],
      default: DEFAULT_HOOK_LANGUAGE,
    },
    version: {
      description: "Version of this definition.",
      type: "string",
      pattern: "^[1-9][0-9]*$",
      [EXPECTED_KEYWORD]: 'a positive whole number as a string (e.g. "1")',
    },
    limits: {
      description: "Per-invocation limits; each field defaults as in CONTRACT.md.",
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        cpu_millis: limit("cpuMillis", "CPU budget in milliseconds, metered as fuel."),
        memory_mb: limit("memoryMb", "Linear memory cap in MiB."),
        timeout_ms: limit("timeoutMs", "Wall-clock limit in milliseconds."),
        host_calls_per_invocation: {
          description: "Host calls per invocation; absent takes the risk tier's default.",
          type: "integer",
          minimum: 0,
          maximum: MAX_HOST_CALLS_PER_INVOCATION,
        },
      },
    },
    risk_tier: { description: "Risk tier (spec 479 §6.4).", type: "string", enum: [...RISK_TIERS] },
    metadata: {
      type: "object",
      required: ["description", "created_by"],
      additionalProperties: false,
      properties: {
        description: { description: "What the hook does.", type: "string", minLength: 1 },
        created_by: {
          description: "Who created it.",
          type: "string",
          pattern: CREATED_BY_PATTERN,
          [EXPECTED_KEYWORD]: '"user:<id>" or "agent:<id>"',
        },
        tags: {
          description: "Labels for search.",
          type: "array",
          items: { type: "string", minLength: 1 },
          uniqueItems: true,
          default: [],
        },
      },
    },
    host_calls: {
      description: "The host calls the hook may make (an allowlist).",
      type: "array",
      default: [],
      items: {
        type: "object",
        required: ["service", "method"],
        additionalProperties: false,
        properties: {
          service: {
            description: "Fully qualified service name.",
            type: "string",
            pattern: "^[A-Za-z_][A-Za-z0-9_.]*$",
            [EXPECTED_KEYWORD]: 'a service name like "ameide.crm.v1.AccountService"',
          },
          method: {
            description: "Method name.",
            type: "string",
            pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
            [EXPECTED_KEYWORD]: 'a method name like "GetChurnRisk"',
          },
          read_only: { description: "True when the method only reads.", type: "boolean", default: false },
        },
      },
    },
    input_schema: { description: "JSON Schema (draft-07) of the input.", type: "object" },
    output_schema: { description: "JSON Schema (draft-07) of the output.", type: "object" },
    slo: {
      description:
        "Service level objective, watched by the runtime's burn rates (docs/runtime-service.md, SLOs); the registry writes it to the catalog.",
      type: "object",
      required: ["error_rate"],
      additionalProperties: false,
      properties: {
        error_rate: {
          description: "The share of invocations that may fail technically, e.g. 0.01.",
          type: "number",
          minimum: 0.0001,
          maximum: 0.5,
        },
        p99_ms: {
          description: "99th percentile latency objective in milliseconds.",
          type: "integer",
          minimum: 1,
          maximum: 600_000,
        },
        window: {
          description: 'The fast-burn window, "<n>m", "<n>h" or "<n>d", 1m to 7d. Default "1h".',
          type: "string",
          pattern: "^[1-9][0-9]{0,5}[mhd]$",
          [EXPECTED_KEYWORD]: 'a window like "1h" or "30m"',
        },
        auto_rollback: {
          description: "A fast burn also rolls the environment back to the previous version. Default false.",
          type: "boolean",
        },
      },
    },
  },
};
