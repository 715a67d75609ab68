import { ExtensionError } from "@ameide-ext/contract";
import { compileSchema, frozenCopy, type JsonSchema, type SchemaCheck } from "./json-schema.js";

/**
 * What a tool is made from: the essentials of the extension's manifest
 * (`extension.json`), by the manifest's own snake_case names, so a manifest
 * can be passed as it is.
 */
export interface ToolDefinition {
  /** The extension's id (the manifest's `id`). */
  id: string;
  /** What the tool does, for the model to choose it. Default the manifest's `metadata.description`. */
  description?: string | undefined;
  /** The manifest's metadata; its `description` is used when there is no `description`. */
  metadata?: { description?: string | undefined } | undefined;
  /** JSON Schema of the arguments (draft-07, or 2020-12 when its `$schema` says): required, its root an object. */
  input_schema?: JsonSchema | undefined;
  /** JSON Schema of the output; the output is checked against it unless the tool says not to. */
  output_schema?: JsonSchema | undefined;
  /** The version to call: "3", or "latest". Default "latest". A manifest's own version pins the tool to it. */
  version?: string | undefined;
}

/** A checked definition, its schemas compiled. */
export interface CheckedDefinition {
  extensionId: string;
  version: string;
  description: string;
  /** A frozen copy of `input_schema`. */
  inputSchema: JsonSchema;
  /** A frozen copy of `output_schema`, if any. */
  outputSchema: JsonSchema | undefined;
  checkInput: SchemaCheck;
  /** No errors when there is no output schema. */
  checkOutput: SchemaCheck;
}

/** The deepest nesting of objects and arrays a schema may have (a schema level under `properties` is two). */
export const MAX_SCHEMA_DEPTH = 64;
/** The largest schema, in bytes of JSON: ajv's compile time grows with it (about 1 s for 64 KiB of patterns). */
export const MAX_SCHEMA_BYTES = 64 * 1024;

function refuse(field: string, message: string, details: Record<string, unknown> = {}): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    `the tool definition's ${field} ${message}`,
    "invalid_manifest",
    { field, ...details },
  );
}

/** Whether `value` nests objects and arrays deeper than `limit`, by a stack (a cycle counts as too deep). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [v, depth] = next;
    if (typeof v !== "object" || v === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  return false;
}

/** Refuses a schema too deep or too large to compile: the manifest, and so the schema, is the tenant's. */
function checkSchemaBounds(field: string, schema: Record<string, unknown>): void {
  if (nestsDeeperThan(schema, MAX_SCHEMA_DEPTH))
    throw refuse(field, `nests deeper than ${MAX_SCHEMA_DEPTH} levels; flatten it`, {
      limit: MAX_SCHEMA_DEPTH,
    });
  const bytes = Buffer.byteLength(JSON.stringify(schema) ?? "", "utf8");
  if (bytes > MAX_SCHEMA_BYTES)
    throw refuse(field, `is ${bytes} bytes of JSON, the limit is ${MAX_SCHEMA_BYTES}; simplify it`, {
      limit: MAX_SCHEMA_BYTES,
      actual: bytes,
    });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function compile(field: "input_schema" | "output_schema", schema: JsonSchema): SchemaCheck {
  try {
    return compileSchema(schema);
  } catch (cause) {
    throw refuse(field, `is not a valid JSON Schema: ${(cause as Error).message}`);
  }
}

function readSchema(field: "input_schema" | "output_schema", value: unknown): JsonSchema {
  if (!isObject(value)) throw refuse(field, `must be a JSON Schema object, got ${JSON.stringify(value)}`);
  checkSchemaBounds(field, value);
  return frozenCopy(value);
}

function readDescription(d: Record<string, unknown>): string {
  const metadata = isObject(d.metadata) ? d.metadata : {};
  const description = d.description ?? metadata.description;
  if (typeof description !== "string" || description.trim() === "")
    throw refuse("description", "is missing: give description (or the manifest's metadata.description)");
  return description;
}

/**
 * Checks a tool definition and compiles its schemas. Throws
 * `invalid_argument/invalid_manifest`, `details.field` naming the field, for
 * a missing id, description or input schema, an input schema whose root is
 * not `type: "object"` (tool arguments are a JSON object in MCP, OpenAI and
 * Anthropic), or a schema ajv refuses.
 */
export function readToolDefinition(value: unknown): CheckedDefinition {
  if (!isObject(value)) throw refuse("(definition)", "must be an object (the extension's manifest)");
  if (typeof value.id !== "string" || value.id === "")
    throw refuse("id", `must be the extension's id, got ${JSON.stringify(value.id)}`);
  const version = value.version ?? "latest";
  if (typeof version !== "string" || version.trim() === "")
    throw refuse("version", `must be a version like "3" or "latest", got ${JSON.stringify(value.version)}`);
  const description = readDescription(value);
  if (value.input_schema === undefined) throw refuse("input_schema", "is missing: a tool needs one");
  const inputSchema = readSchema("input_schema", value.input_schema);
  const checkInput = compile("input_schema", inputSchema);
  if (inputSchema.type !== "object")
    throw refuse(
      "input_schema",
      `must have type "object" at its root, got ${JSON.stringify(inputSchema.type)}`,
    );
  const outputSchema =
    value.output_schema === undefined ? undefined : readSchema("output_schema", value.output_schema);
  const checkOutput = outputSchema ? compile("output_schema", outputSchema) : () => [];
  return { extensionId: value.id, version, description, inputSchema, outputSchema, checkInput, checkOutput };
}
