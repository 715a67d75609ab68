import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from "ajv";

/** One thing wrong with a document: the field (a dotted path, `[i]` for array items) and why. */
export interface SchemaProblem {
  /** Where: `limits.memory_mb`, `hostCalls[0].service`; `(document)` for the whole document. */
  field: string;
  /** Why, quoting the offending value: `must be <= 1024, got 2048`. */
  message: string;
}

/** Checks a document against one of the CLI's own schemas, filling in its defaults. */
export type SchemaCheck<T> = (
  value: unknown,
) => { ok: true; value: T } | { ok: false; problems: SchemaProblem[] };

/**
 * The annotation keyword our schemas use to say, in words, what a string
 * must look like; pattern and length errors quote it instead of the regex.
 */
export const EXPECTED_KEYWORD = "x-expected";

// Our own schemas: strict, every error at once, defaults filled in, the failing value kept for messages.
const ownAjv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
ownAjv.addKeyword({ keyword: EXPECTED_KEYWORD, schemaType: "string" });

// Hook authors' schemas (input_schema, output_schema): any draft-07 schema, unknown keywords and formats tolerated.
const userAjv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: false });

/** Compiles one of the CLI's own schemas into a check that returns the document with defaults, or its problems. */
export function createSchemaCheck<T>(schema: SchemaObject): SchemaCheck<T> {
  const validate = ownAjv.compile(schema);
  return (value) => {
    const copy: unknown = structuredClone(value);
    if (validate(copy)) return { ok: true, value: copy as T };
    return { ok: false, problems: describeErrors(validate.errors ?? []) };
  };
}

/**
 * Compiles a hook author's JSON Schema. Throws the compiler's complaint (a
 * plain Error) when it is not a valid schema.
 */
export function compileUserSchema(schema: SchemaObject): (value: unknown) => SchemaProblem[] {
  const validate: ValidateFunction = userAjv.compile(schema);
  return (value) => (validate(value) ? [] : describeErrors(validate.errors ?? []));
}

/** Turns ajv's errors into one problem per field, in words, quoting the value. */
export function describeErrors(errors: readonly ErrorObject[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // anyOf/oneOf/if wrappers repeat what their branches said.
    if (e.keyword === "anyOf" || e.keyword === "oneOf" || e.keyword === "if") continue;
    const problem = describeError(e);
    const key = `${problem.field}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

function describeError(e: ErrorObject): SchemaProblem {
  const base = pointerToField(e.instancePath);
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const got = `, got ${quote(e.data)}`;
  switch (e.keyword) {
    case "required":
      return { field: joinField(base, String(params.missingProperty)), message: "is required" };
    case "additionalProperties": {
      const name = String(params.additionalProperty);
      const known = Object.keys((parent.properties ?? {}) as Record<string, unknown>);
      const near = closest(name, known);
      const hint = near
        ? ` (did you mean "${near}"?)`
        : known.length
          ? ` (known fields: ${known.join(", ")})`
          : "";
      return { field: joinField(base, name), message: `is not a known field${hint}` };
    }
    case "type":
      return { field: base, message: `must be ${article(String(params.type))}${got}` };
    case "enum":
      return {
        field: base,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => quote(v)).join(", ")}${got}`,
      };
    case "const":
      return { field: base, message: `must be ${quote(params.allowedValue)}${got}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { field: base, message: `must be ${String(params.comparison)} ${String(params.limit)}${got}` };
    case "multipleOf":
      return {
        field: base,
        message: `must be ${params.multipleOf === 1 ? "a whole number" : `a multiple of ${String(params.multipleOf)}`}${got}`,
      };
    case "pattern":
    case "minLength":
    case "maxLength":
    case "format": {
      const expected = parent[EXPECTED_KEYWORD];
      return {
        field: base,
        message: `${typeof expected === "string" ? `must be ${expected}` : (e.message ?? "is invalid")}${got}`,
      };
    }
    default:
      return { field: base, message: `${e.message ?? "is invalid"}${e.data === undefined ? "" : got}` };
  }
}

/** `/limits/memory_mb` → `limits.memory_mb`; `/hostCalls/0/service` → `hostCalls[0].service`. */
export function pointerToField(pointer: string): string {
  if (pointer === "") return "(document)";
  let field = "";
  for (const raw of pointer.slice(1).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    field += /^\d+$/.test(part) ? `[${part}]` : field === "" ? part : `.${part}`;
  }
  return field;
}

function joinField(base: string, name: string): string {
  return base === "(document)" ? name : `${base}.${name}`;
}

function article(type: string): string {
  const t = type.split(",").join(" or ");
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** A short JSON rendering of an offending value, for messages. */
export function quote(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The known name nearest to `name` (edit distance at most 2, or one contains the other), if any. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best ?? known.find((k) => k.length > 2 && (k.includes(name) || name.includes(k)));
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}
