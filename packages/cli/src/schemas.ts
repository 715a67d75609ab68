import { FIXTURE_SCHEMA, type JsonSchema, MANIFEST_SCHEMA } from "@ameide-ext/toolkit";
import { OUTPUT_SCHEMAS } from "./report/output-schemas.js";
import { INVOKE_REQUEST_SCHEMA, INVOKE_RESPONSE_SCHEMA } from "./runtime/invoke-schemas.js";

/**
 * Every JSON Schema (draft-07) of the CLI, by name: the files it reads
 * (`manifest`: extension.json, `fixture`: tests/*.json) and the documents
 * `--json` prints (one per command: `new`, `build`, `test`, `run`, `invoke`, `replay`,
 * `promote`, `status`, `approve`, `reject`, `rollback`, `disable`, `enable`, `bind`, `bindings`, `dev`;
 * and `error` for any command that could not do its work), and the runtime's request and response
 * as a Connect JSON caller writes and reads them (`invoke-request`,
 * `invoke-response`). `ameide-ext schema <name>` prints one.
 */
export const SCHEMAS: Readonly<Record<SchemaName, JsonSchema>> = {
  manifest: MANIFEST_SCHEMA,
  fixture: FIXTURE_SCHEMA,
  ...OUTPUT_SCHEMAS,
  "invoke-request": INVOKE_REQUEST_SCHEMA,
  "invoke-response": INVOKE_RESPONSE_SCHEMA,
};

/** The names of {@link SCHEMAS}. */
export const SCHEMA_NAMES = [
  "manifest",
  "fixture",
  "new",
  "build",
  "test",
  "run",
  "invoke",
  "replay",
  "promote",
  "status",
  "approve",
  "reject",
  "rollback",
  "disable",
  "enable",
  "bind",
  "bindings",
  "dev",
  "error",
  "invoke-request",
  "invoke-response",
] as const;

/** One of {@link SCHEMA_NAMES}. */
export type SchemaName = (typeof SCHEMA_NAMES)[number];
