import { ENVIRONMENTS, ERROR_CODES, ERROR_REASONS, EXTENSION_KINDS, RISK_TIERS } from "@ameide-ext/contract";
import { HOOK_LANGUAGES, HOST_CALLS_SCHEMA, type JsonSchema } from "@ameide-ext/toolkit";
import { OUTPUT_SCHEMAS } from "../report/output-schemas.js";

/** A tool's input: an object with exactly these properties (unknown fields are refused). */
function input(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: "object", properties, required, additionalProperties: false };
}

const DIR: JsonSchema = {
  type: "string",
  minLength: 1,
  maxLength: 1024,
  description: "the hook's folder, relative to the workspace root the server was started with",
};
const STRINGS: JsonSchema = { type: "array", items: { type: "string" } };
const ENV: JsonSchema = { enum: [...ENVIRONMENTS] };

/** What a tool takes, by tool name: the CLI command's flags as JSON (draft-07, no unknown fields). */
export const TOOL_INPUT_SCHEMAS = {
  scaffold_hook: input(
    {
      name: { type: "string", description: "the hook's id: lowercase kebab-case, 3 to 64 characters" },
      kind: { enum: [...EXTENSION_KINDS] },
      lang: { enum: [...HOOK_LANGUAGES], description: "default assemblyscript" },
      riskTier: { enum: [...RISK_TIERS], description: "default the template's" },
      dir: { ...DIR, description: "the folder to create, relative to the workspace root (default <name>)" },
    },
    ["name", "kind"],
  ),
  build_hook: input({ dir: DIR, optimize: { type: "boolean", description: "asc -O3; default true" } }, [
    "dir",
  ]),
  test_hook: input(
    {
      dir: DIR,
      filter: { type: "string", maxLength: 256, description: "only cases whose name or file contains it" },
      update: {
        type: "boolean",
        description: "write each case's actual output into its fixture as expected",
      },
    },
    ["dir"],
  ),
  run_hook: input(
    {
      dir: DIR,
      input: { description: "the input document (any JSON)" },
      riskTier: { enum: [...RISK_TIERS], description: "run under this tier instead of the manifest's" },
      hostCalls: HOST_CALLS_SCHEMA,
    },
    ["dir", "input"],
  ),
  explain_error: input({
    code: { enum: [...ERROR_CODES] },
    reason: { enum: [...ERROR_REASONS] },
    rule: {
      type: "string",
      pattern: "^[a-z_]{1,64}$",
      description: "a refusal's error.details.rule (self_approval, agent_risk_tier …)",
    },
  }),
  promote_hook: input(
    {
      dir: DIR,
      env: ENV,
      comment: { type: "string", maxLength: 2000, description: "notes for the reviewers" },
    },
    ["dir", "env"],
  ),
  hook_status: input({
    dir: DIR,
    extension: { type: "string", maxLength: 64, description: "the extension id, instead of a folder" },
  }),
  list_extensions: input({}),
} as const satisfies Record<string, JsonSchema>;

/** The names of the tools `ameide-ext mcp` offers. */
export type ToolName = keyof typeof TOOL_INPUT_SCHEMAS;

const COMPILE: JsonSchema = {
  anyOf: [
    { type: "null" },
    {
      type: "object",
      required: ["status", "toolchain", "moduleBytes", "diagnostics", "tests"],
      properties: {
        status: { type: "string" },
        toolchain: { type: "string" },
        moduleBytes: { type: "number" },
        diagnostics: { type: "array", items: { type: "object" } },
        tests: {
          type: "array",
          items: {
            type: "object",
            required: ["name", "passed", "message", "maxLimitRatio"],
            properties: {
              name: { type: "string" },
              passed: { type: "boolean" },
              message: { type: "string" },
              maxLimitRatio: { type: "number" },
            },
          },
        },
      },
    },
  ],
};

const DEPLOYMENTS: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: Object.fromEntries(ENVIRONMENTS.map((e) => [e, { type: "string" }])),
};

/** `promote --json`: the version, its state, what each environment runs, and the gate it waits at. */
const PROMOTE: JsonSchema = {
  type: "object",
  required: [
    "ok",
    "tenant",
    "extension",
    "version",
    "created",
    "state",
    "env",
    "reached",
    "deployments",
    "gate",
    "compile",
  ],
  properties: {
    ok: { type: "boolean" },
    tenant: { type: "string" },
    extension: { type: "string" },
    version: { type: "string" },
    created: { type: "boolean" },
    state: { type: "string" },
    env: ENV,
    reached: { type: "boolean" },
    deployments: DEPLOYMENTS,
    gate: {
      anyOf: [
        { type: "null" },
        {
          type: "object",
          required: ["env", "rule", "approvalsRequired", "approvals", "author", "message"],
          properties: {
            env: ENV,
            rule: { type: "string" },
            approvalsRequired: { type: "integer" },
            approvals: { type: "integer" },
            author: { type: "string" },
            message: { type: "string" },
          },
        },
      ],
    },
    compile: COMPILE,
  },
};

/** `status --json`. */
const STATUS: JsonSchema = {
  type: "object",
  required: ["ok", "tenant", "extension", "latestVersion", "deployments", "pins", "versions"],
  properties: {
    ok: { const: true },
    tenant: { type: "string" },
    extension: { type: "string" },
    latestVersion: { type: "string" },
    deployments: DEPLOYMENTS,
    pins: { type: "array", items: { type: "object" } },
    versions: {
      type: "array",
      items: {
        type: "object",
        required: ["version", "state", "compile", "createdBy", "pending", "approvals"],
        properties: {
          version: { type: "string" },
          state: { type: "string" },
          compile: { type: "string" },
          createdBy: { type: "string" },
          pending: { anyOf: [{ type: "null" }, { type: "object" }] },
          approvals: { type: "array", items: { type: "object" } },
        },
      },
    },
  },
};

/** explain_error's answer. */
const EXPLAIN: JsonSchema = {
  type: "object",
  required: ["ok", "code", "reason", "meaning", "fix"],
  additionalProperties: false,
  properties: {
    ok: { const: true },
    code: { enum: [...ERROR_CODES] },
    reason: { anyOf: [{ type: "null" }, { enum: [...ERROR_REASONS] }] },
    rule: { type: "string" },
    meaning: { type: "string" },
    fix: { type: "string" },
  },
};

/** list_extensions' answer: the hook folders under the workspace root. */
const LIST: JsonSchema = {
  type: "object",
  required: ["ok", "root", "extensions"],
  additionalProperties: false,
  properties: {
    ok: { const: true },
    root: { type: "string" },
    extensions: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "dir", "kind", "lang", "riskTier", "version"],
        additionalProperties: false,
        properties: {
          id: { type: "string" },
          dir: { type: "string" },
          kind: { enum: [...EXTENSION_KINDS] },
          lang: { type: "string" },
          riskTier: { enum: [...RISK_TIERS] },
          version: { type: "string" },
        },
      },
    },
    problems: STRINGS,
  },
};

/** What a tool answers (its structured content), by tool name: the CLI command's `--json` document. */
export const TOOL_OUTPUT_SCHEMAS: Readonly<Record<ToolName, JsonSchema>> = {
  scaffold_hook: OUTPUT_SCHEMAS.new,
  build_hook: OUTPUT_SCHEMAS.build,
  test_hook: OUTPUT_SCHEMAS.test,
  run_hook: OUTPUT_SCHEMAS.run,
  explain_error: EXPLAIN,
  promote_hook: PROMOTE,
  hook_status: STATUS,
  list_extensions: LIST,
};
