import type { JsonSchema } from "@ameide-ext/toolkit";
import { COMMAND_ERROR_SCHEMA } from "./error-details-schemas.js";
import { REGISTRY_OUTPUT_SCHEMAS } from "./registry-output-schemas.js";

const nonNegative = { type: "number", minimum: 0 };
const count = { type: "integer", minimum: 0 };

/** An error: a technical one (`resource_exhausted`/`fuel`), or a business one (the guest's code, reason `business_error`). */
const ERROR: JsonSchema = {
  type: "object",
  required: ["code", "reason", "message"],
  additionalProperties: false,
  properties: {
    code: { type: "string" },
    reason: { type: ["string", "null"] },
    message: { type: "string" },
    details: {},
  },
};

const STATS: JsonSchema = {
  type: "object",
  required: [
    "fuelUsed",
    "fuelLimit",
    "peakMemoryBytes",
    "memoryLimitBytes",
    "durationUs",
    "timeoutMs",
    "outputBytes",
    "outputLimitBytes",
    "hostCalls",
    "hostCallsLimit",
  ],
  additionalProperties: false,
  properties: {
    fuelUsed: count,
    fuelLimit: count,
    peakMemoryBytes: count,
    memoryLimitBytes: count,
    durationUs: count,
    timeoutMs: count,
    outputBytes: count,
    outputLimitBytes: count,
    hostCalls: count,
    hostCallsLimit: count,
  },
};

const LOGS: JsonSchema = {
  type: "array",
  items: {
    type: "object",
    required: ["level", "message"],
    additionalProperties: false,
    properties: { level: { enum: ["debug", "info", "warn", "error"] }, message: { type: "string" } },
  },
};

const STRINGS: JsonSchema = { type: "array", items: { type: "string" } };

/** One run of a recorded invocation, as `replay` compares it: the outcome, the exact output text, the error, the fuel. */
const REPLAY_RUN: JsonSchema = {
  type: "object",
  required: ["outcome", "output_json", "error", "fuel_used", "peak_memory_bytes"],
  additionalProperties: false,
  properties: {
    outcome: { enum: ["ok", "business_error", "technical_error"] },
    output_json: { type: ["string", "null"] },
    error: {
      oneOf: [
        {
          type: "object",
          required: ["code", "reason", "message"],
          additionalProperties: false,
          properties: {
            code: { type: "string" },
            reason: { type: ["string", "null"] },
            message: { type: "string" },
            details_json: { type: "string" },
          },
        },
        { type: "null" },
      ],
    },
    fuel_used: count,
    peak_memory_bytes: count,
  },
};

/** What replaying one recording showed. */
const REPLAY_RESULT: JsonSchema = {
  type: "object",
  required: [
    "source",
    "id",
    "extension_id",
    "version",
    "recorded_at",
    "status",
    "differences",
    "new_error",
    "recorded",
    "replayed",
    "fuel_delta",
    "host_call_problems",
  ],
  additionalProperties: false,
  properties: {
    source: { type: "string" },
    id: { type: "string" },
    extension_id: { type: "string" },
    version: { type: "string" },
    recorded_at: { type: "string" },
    status: { enum: ["identical", "mismatch", "unchanged", "changed", "skipped"] },
    differences: { type: "array", items: { enum: ["outcome", "output", "error", "fuel", "host_calls"] } },
    new_error: { type: "boolean" },
    recorded: REPLAY_RUN,
    replayed: { oneOf: [REPLAY_RUN, { type: "null" }] },
    fuel_delta: { type: ["integer", "null"] },
    host_call_problems: STRINGS,
    skipped_reason: { enum: ["sensitive_input"] },
  },
};
const SHA256: JsonSchema = { type: "string", pattern: "^[0-9a-f]{64}$" };

/**
 * The JSON Schemas (draft-07) of the documents `--json` prints, one per
 * command (the registry's commands and `dev` in REGISTRY_OUTPUT_SCHEMAS), and
 * `error` for any command that could not do its work. `schema --json` prints a
 * schema itself and `mcp` speaks MCP, so neither has one. docs/cli.md quotes
 * them, and a test keeps the two equal.
 */
export const OUTPUT_SCHEMAS: Readonly<
  Record<
    "new" | "build" | "test" | "run" | "invoke" | "replay" | "error" | keyof typeof REGISTRY_OUTPUT_SCHEMAS,
    JsonSchema
  >
> = {
  new: {
    type: "object",
    required: ["ok", "dir", "id", "kind", "lang", "riskTier", "createdBy", "files", "devFlags"],
    additionalProperties: false,
    properties: {
      ok: { const: true },
      dir: { type: "string" },
      id: { type: "string" },
      kind: { enum: ["process_hook", "domain_hook", "agent_tool"] },
      lang: { type: "string" },
      riskTier: { enum: ["low", "medium", "high"] },
      createdBy: { type: "string" },
      files: STRINGS,
      devFlags: {
        ...STRINGS,
        description:
          "the flags `ameide-ext dev` needs for this hook: --read-only <service>/<method> per read_only host call",
      },
    },
  },
  build: {
    type: "object",
    required: ["ok", "id", "wasm", "sha256", "bytes", "bytesLimit", "durationMs", "world", "warnings"],
    additionalProperties: false,
    properties: {
      ok: { const: true },
      id: { type: "string" },
      wasm: { type: "string" },
      sha256: SHA256,
      bytes: count,
      bytesLimit: count,
      durationMs: nonNegative,
      world: { type: "string" },
      warnings: {
        type: "array",
        items: {
          type: "object",
          required: ["file", "line", "column", "code", "message"],
          additionalProperties: false,
          properties: {
            file: { type: "string" },
            line: count,
            column: count,
            code: { type: "string" },
            message: { type: "string" },
          },
        },
      },
    },
  },
  test: {
    type: "object",
    required: ["ok", "id", "sha256", "passed", "failed", "updated", "cases"],
    additionalProperties: false,
    properties: {
      ok: { type: "boolean" },
      id: { type: "string" },
      sha256: SHA256,
      passed: count,
      failed: count,
      updated: STRINGS,
      cases: {
        type: "array",
        items: {
          type: "object",
          required: [
            "name",
            "file",
            "ok",
            "status",
            "output",
            "error",
            "stats",
            "failures",
            "warnings",
            "logs",
          ],
          additionalProperties: false,
          properties: {
            name: { type: "string" },
            file: { type: "string" },
            ok: { type: "boolean" },
            status: { enum: ["passed", "failed", "updated"] },
            output: {},
            error: { anyOf: [{ type: "null" }, ERROR] },
            stats: STATS,
            failures: STRINGS,
            warnings: STRINGS,
            logs: LOGS,
            diff: { type: "string" },
          },
        },
      },
    },
  },
  run: {
    type: "object",
    required: ["ok", "id", "sha256", "riskTier", "output", "error", "stats", "logs", "warnings"],
    additionalProperties: false,
    properties: {
      ok: { type: "boolean" },
      id: { type: "string" },
      sha256: SHA256,
      riskTier: { enum: ["low", "medium", "high"] },
      output: {},
      error: { anyOf: [{ type: "null" }, ERROR] },
      stats: STATS,
      logs: LOGS,
      warnings: STRINGS,
    },
  },
  invoke: {
    type: "object",
    required: [
      "ok",
      "extensionId",
      "resolvedVersion",
      "moduleSha256",
      "outcome",
      "output",
      "error",
      "stats",
      "logs",
    ],
    additionalProperties: false,
    properties: {
      ok: { type: "boolean" },
      extensionId: { type: "string" },
      resolvedVersion: { type: "string" },
      moduleSha256: { type: "string" },
      outcome: { enum: ["ok", "business_error", "technical_error"] },
      output: {},
      error: { oneOf: [ERROR, { type: "null" }] },
      stats: {
        type: "object",
        required: [
          "fuelUsed",
          "fuelLimit",
          "peakMemoryBytes",
          "memoryLimitBytes",
          "durationUs",
          "outputBytes",
          "hostCalls",
        ],
        additionalProperties: false,
        properties: {
          fuelUsed: count,
          fuelLimit: count,
          peakMemoryBytes: count,
          memoryLimitBytes: count,
          durationUs: count,
          outputBytes: count,
          hostCalls: count,
        },
      },
      logs: LOGS,
    },
  },
  replay: {
    type: "object",
    required: [
      "ok",
      "mode",
      "against",
      "total",
      "replayed",
      "skipped",
      "identical",
      "mismatches",
      "changed",
      "new_errors",
      "fuel",
      "summary",
      "results",
    ],
    additionalProperties: false,
    properties: {
      ok: { type: "boolean" },
      mode: { enum: ["same", "against"] },
      against: { type: ["string", "null"] },
      total: count,
      replayed: count,
      skipped: count,
      identical: count,
      mismatches: count,
      changed: count,
      new_errors: count,
      fuel: {
        type: "object",
        required: ["recorded", "replayed", "delta"],
        additionalProperties: false,
        properties: { recorded: count, replayed: count, delta: { type: "integer" } },
      },
      summary: { type: "string" },
      results: { type: "array", items: REPLAY_RESULT },
      attached: {
        type: "object",
        description: "with --attach: the report as the registry stored it for the version and --env",
        required: ["env", "summary", "attachedBy", "attachedAt"],
        additionalProperties: false,
        properties: {
          env: { enum: ["dev", "staging", "prod"] },
          summary: { type: "string" },
          attachedBy: { type: "string" },
          attachedAt: { type: "string" },
        },
      },
    },
  },
  ...REGISTRY_OUTPUT_SCHEMAS,
  error: {
    type: "object",
    required: ["ok", "error"],
    additionalProperties: false,
    properties: { ok: { const: false }, error: COMMAND_ERROR_SCHEMA },
  },
};
