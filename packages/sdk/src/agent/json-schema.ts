import { ExtensionError } from "@ameide-ext/contract";
import { Ajv, type ErrorObject } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { withinTime } from "../within-time.js";

/** A JSON Schema, as a plain object. */
export type JsonSchema = { readonly [key: string]: unknown };

/** One thing ajv found wrong with a value: where (`instancePath`), which rule (`keyword`), and why. */
export type SchemaError = Pick<ErrorObject, "instancePath" | "schemaPath" | "keyword" | "params" | "message">;

/** Checks a value against a compiled schema: no errors when it conforms. */
export type SchemaCheck = (value: unknown) => SchemaError[];

/**
 * How long one check may run, in milliseconds. The schema is the tenant's: a `pattern` that backtracks
 * (`^(a+)+$`) would otherwise hold the primitive's event loop for as long as the input makes it.
 */
export const SCHEMA_CHECK_TIMEOUT_MS = 500;

/** The most errors one check reports: a hostile value can break a rule once per item. */
export const MAX_REPORTED_ERRORS = 20;

const DIALECT_2020 = "https://json-schema.org/draft/2020-12/schema";

// Authors' schemas: every error at once, unknown keywords tolerated (as the toolkit reads them), formats not
// checked (they need ajv-formats, which is not ours to install); no `verbose`, so errors never echo the value.
const OPTIONS = { allErrors: true, strict: false, validateFormats: false } as const;
let draft07: Ajv | undefined;
let draft2020: Ajv2020 | undefined;

function ajvFor(schema: JsonSchema): Ajv | Ajv2020 {
  const is2020 = schema.$schema === DIALECT_2020 || schema.$schema === `${DIALECT_2020}#`;
  // ajv keeps every schema that has an $id by that id and refuses the same id twice: a schema with one gets an
  // instance of its own, so a primitive can make a tool again, or two tools whose schemas share an $id.
  if (JSON.stringify(schema).includes('"$id"')) return is2020 ? new Ajv2020(OPTIONS) : new Ajv(OPTIONS);
  if (is2020) {
    draft2020 ??= new Ajv2020(OPTIONS);
    return draft2020;
  }
  draft07 ??= new Ajv(OPTIONS);
  return draft07;
}

/**
 * Compiles a JSON Schema: draft-07 (the hook manifest's dialect) unless its
 * `$schema` names 2020-12. Throws ajv's complaint, a plain Error, when it is
 * not a valid schema. The check it returns throws `resource_exhausted/timeout`
 * when it runs past {@link SCHEMA_CHECK_TIMEOUT_MS}.
 */
export function compileSchema(schema: JsonSchema): SchemaCheck {
  const ajv = ajvFor(schema);
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(schema);
  } finally {
    // The compiled function stands alone; left in ajv's cache, every tool ever made would stay in memory.
    ajv.removeSchema(schema);
  }
  const check = (value: unknown): SchemaError[] =>
    validate(value)
      ? []
      : (validate.errors ?? []).slice(0, MAX_REPORTED_ERRORS).map((e) => ({
          instancePath: e.instancePath,
          schemaPath: e.schemaPath,
          keyword: e.keyword,
          params: e.params,
          message: e.message,
        }));
  return (value) => {
    const done = withinTime(() => check(value), SCHEMA_CHECK_TIMEOUT_MS);
    if (done) return done.value;
    throw new ExtensionError(
      "resource_exhausted",
      `checking a value against the schema ran longer than ${SCHEMA_CHECK_TIMEOUT_MS} ms; a pattern in the schema backtracks: rewrite it without nested quantifiers`,
      "timeout",
      { limit: SCHEMA_CHECK_TIMEOUT_MS },
    );
  };
}

/** A deep, frozen copy of a JSON value: the schema a tool validates with cannot change under it. */
export function frozenCopy<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (v: unknown) => {
    if (typeof v !== "object" || v === null || Object.isFrozen(v)) return;
    Object.freeze(v);
    for (const child of Object.values(v)) freeze(child);
  };
  freeze(copy);
  return copy;
}
