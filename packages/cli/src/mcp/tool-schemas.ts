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
  promote_hook: OUTPUT_SCHEMAS.promote,
  hook_status: OUTPUT_SCHEMAS.status,
  list_extensions: LIST,
};
