import type { JsonSchema } from "@ameide-ext/toolkit";

// The runtime's request and response as the Connect JSON codec reads and writes them (proto3 JSON mapping):
// lowerCamelCase names, bytes as base64, 64-bit integers as strings. The field lists are kept equal to the
// proto messages by invoke-schemas.test.ts; descriptions follow proto/ameide/extensions/v1/*.proto.

const base64 = (description: string): JsonSchema => ({
  type: "string",
  contentEncoding: "base64",
  description: `${description} Bytes, so base64 in JSON.`,
});

const uint64 = (description: string): JsonSchema => ({
  type: ["string", "integer"],
  pattern: "^[0-9]+$",
  minimum: 0,
  description: `${description} A 64-bit integer: a decimal string in JSON.`,
});

const ctx: JsonSchema = {
  type: "object",
  description: "On whose behalf the extension runs (ExecutionContext). Required.",
  additionalProperties: false,
  required: ["tenantId"],
  properties: {
    tenantId: {
      type: "string",
      minLength: 1,
      description: "Tenant the invocation belongs to; the extension is resolved within it only. Required.",
    },
    orgId: { type: "string", description: "Organisation within the tenant." },
    userId: {
      type: "string",
      description: 'User the invocation acts for ("system" or an agent id for SYSTEM or AGENT).',
    },
    actorType: { enum: ["", "USER", "AGENT", "SYSTEM"], description: "Kind of actor." },
    sessionId: { type: "string", description: "Session of the caller, for audit." },
    correlationId: {
      type: "string",
      description: "Ties the invocation to the business flow; echoed in logs and traces.",
    },
    env: { enum: ["", "dev", "staging", "prod"], description: "Environment the invocation runs in." },
    riskTier: {
      enum: ["", "LOW", "MEDIUM", "HIGH"],
      description: "Risk tier of the calling flow (spec 479 §6.4).",
    },
  },
};

/**
 * JSON Schema (draft-07) of `InvokeExtensionRequest` as a Connect JSON POST
 * to `/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension` carries
 * it. Any other field is refused by the runtime (`invalid_argument`).
 */
export const INVOKE_REQUEST_SCHEMA: JsonSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "InvokeExtensionRequest (Connect JSON)",
  description:
    "POST it with Content-Type: application/json to <runtime>/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension " +
    "(Authorization: Bearer <runtime caller token>). Field names may also be written snake_case (extension_id, input_json). " +
    "`ameide-ext invoke <extension> --input <file>` writes it for you.",
  type: "object",
  additionalProperties: false,
  required: ["extensionId", "version", "ctx", "inputJson"],
  properties: {
    extensionId: { type: "string", minLength: 1, description: "Id of the extension, within ctx.tenantId." },
    version: {
      type: "string",
      minLength: 1,
      description: 'An exact version such as "3", or "latest" for the newest promoted to ctx.env.',
    },
    ctx,
    inputJson: base64(
      "The input document: UTF-8 JSON, base64-encoded (not a JSON object: `input` is not a field), e.g. " +
        "`printf '{\"amount\":1}' | base64`.",
    ),
    consumerRef: {
      type: "string",
      maxLength: 256,
      description:
        'Who invokes, for version pins: "process:<id>", "domain:<domain>/<point>" or "agent:<id>". With version ' +
        '"latest", a consumer the catalog pins gets its pinned version. Optional; the SDK\'s hook points send it.',
    },
  },
};

const stats: JsonSchema = {
  type: "object",
  description: "What the invocation used, against its limits (InvocationStats). Always set.",
  additionalProperties: false,
  properties: {
    fuelUsed: uint64("Fuel consumed (WebAssembly instructions, weighted)."),
    fuelLimit: uint64("Fuel the invocation was allowed."),
    peakMemoryBytes: uint64("Largest linear memory the guest reached, in bytes."),
    memoryLimitBytes: uint64("Linear memory cap, in bytes."),
    durationUs: uint64("Wall-clock duration, host calls included, in microseconds."),
    outputBytes: uint64("Size of the payload the guest returned, in bytes."),
    hostCalls: {
      type: "integer",
      minimum: 0,
      description: "Host calls the guest attempted, refused ones included.",
    },
  },
};

/**
 * JSON Schema (draft-07) of `InvokeExtensionResponse` as the runtime answers
 * a Connect JSON request (fields at their default are left out).
 */
export const INVOKE_RESPONSE_SCHEMA: JsonSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "InvokeExtensionResponse (Connect JSON)",
  description:
    "The answer to InvokeExtension: HTTP 200 whatever the outcome (the outcome is in-band). An HTTP error means the " +
    "request never became an invocation: {code, message}, the reason in the ameide-error-reason header.",
  type: "object",
  additionalProperties: false,
  properties: {
    outputJson: base64("The guest's output, UTF-8 JSON; set only when outcome is OUTCOME_OK."),
    errorCode: {
      type: "string",
      description:
        "OUTCOME_BUSINESS_ERROR: the guest's own code. OUTCOME_TECHNICAL_ERROR: one of the closed ameide-ext codes.",
    },
    errorMsg: { type: "string", description: "The error's message for humans; never match on it." },
    outcome: {
      enum: ["OUTCOME_OK", "OUTCOME_BUSINESS_ERROR", "OUTCOME_TECHNICAL_ERROR"],
      description: "Which of the three outcomes of spec 479 §6.5 the invocation had.",
    },
    errorReason: {
      type: "string",
      description:
        'Reason of a technical error (ERROR_REASONS in @ameide-ext/contract), e.g. "fuel", "timeout".',
    },
    resolvedVersion: { type: "string", description: 'The exact version that ran, e.g. "3" for "latest".' },
    stats,
    logs: {
      type: "array",
      description: "Lines the guest logged, in order (capped).",
      items: {
        type: "object",
        additionalProperties: false,
        properties: {
          level: {
            enum: [
              "LOG_LEVEL_UNSPECIFIED",
              "LOG_LEVEL_DEBUG",
              "LOG_LEVEL_INFO",
              "LOG_LEVEL_WARN",
              "LOG_LEVEL_ERROR",
            ],
            description: "Severity.",
          },
          message: { type: "string", description: "The line." },
        },
      },
    },
    errorDetailsJson: base64('The "details" of a business error payload, UTF-8 JSON.'),
    moduleSha256: {
      type: "string",
      pattern: "^[0-9a-f]{64}$",
      description: "Lowercase hex sha256 of the module that ran.",
    },
  },
};
