import { ERROR_CODES, ERROR_REASONS, type ErrorReason } from "@ameide-ext/contract";
import type { JsonSchema } from "@ameide-ext/toolkit";

// `error.details` of the error document, typed by reason: what each reason carries, so an agent can read a
// compile error's diagnostics or a manifest's problems without parsing the message. Every error has
// `details.fix`, its one-line remedy. Details are open (a reason may carry more facts than listed here), but
// the listed ones have these shapes.

const STRING: JsonSchema = { type: "string" };
const STRINGS: JsonSchema = { type: "array", items: STRING };
const POSITION: JsonSchema = { type: "integer", minimum: 0 };

/** One compiler diagnostic (BuildDiagnostic of @ameide-ext/pdk), located in a source file. */
const DIAGNOSTIC: JsonSchema = {
  type: "object",
  required: ["file", "line", "column", "message", "code", "severity"],
  properties: {
    file: { type: "string", description: "absolute path (a PDK or library file as the compiler names it)" },
    line: { ...POSITION, description: "1-based line of the start of the range" },
    column: { ...POSITION, description: "1-based column (UTF-16 code units)" },
    message: STRING,
    code: { type: "string", description: "the compiler's code: TS2322, AS100, PDK1 …" },
    severity: { enum: ["error", "warning", "info", "pedantic"] },
    sourceLine: { type: "string", description: "the text of the source line; empty when unknown" },
    length: { ...POSITION, description: "how many characters from column the range covers" },
  },
};

/** One problem of a checked file: the field (`limits.memory_mb`, `hostCalls[0].service`) and what is wrong. */
const PROBLEM: JsonSchema = {
  type: "object",
  required: ["field", "message"],
  properties: {
    field: { type: "string", description: "where: a dotted path, (document) for the whole file" },
    message: STRING,
    file: { type: "string", description: "the file, when the error names several" },
  },
};

/** Who may give the approvals still missing (registry refusals of an approval). */
const MAY_APPROVE: JsonSchema = {
  type: "object",
  required: ["approvers", "excluded", "eligible"],
  properties: { approvers: STRINGS, excluded: STRINGS, eligible: STRINGS },
};

/** `details` of a refusal by a named rule of the registry (or of `ameide-ext mcp`): exit code 3. */
const RULE_DETAILS: JsonSchema = {
  type: "object",
  required: ["rule", "fix"],
  properties: {
    rule: {
      type: "string",
      pattern: "^[a-z_]{1,64}$",
      description: "the rule that refused (self_approval, agent_risk_tier …); explain_error explains it",
    },
    mayApprove: {
      ...MAY_APPROVE,
      description: "for an approval refused: who may approve instead (eligible: empty means any other human)",
    },
    agent: { type: "string", description: "the agent a guardrail refused" },
    allowed: { ...STRINGS, description: "agent_environment: the environments the agent may reach" },
    requested: { type: "string", description: "agent_risk_tier: the risk tier asked for" },
    limit: { description: "the limit the request went past" },
    actual: { description: "what the request came to" },
    retryAfterSeconds: {
      type: "number",
      minimum: 0,
      description: "agent_rate, compile_rate: when to try again",
    },
    state: { type: "string", description: "the version's state when that is why" },
  },
};

/** A limit's error: the bound and, where measured, the amount that went past it. */
const LIMIT_DETAILS: JsonSchema = {
  type: "object",
  properties: { limit: { type: "number" }, actual: { type: "number" } },
};
const LIMIT_REASONS = ["fuel", "memory", "timeout", "output_size", "module_size", "input_size"] as const;

/** What each reason that carries facts puts in `details`, beyond `fix`. */
const BY_REASON: Partial<Record<ErrorReason, JsonSchema>> = {
  ...Object.fromEntries(LIMIT_REASONS.map((reason) => [reason, LIMIT_DETAILS])),
  compile_error: {
    type: "object",
    required: ["diagnostics"],
    properties: { diagnostics: { type: "array", minItems: 1, items: DIAGNOSTIC } },
  },
  forbidden_import: {
    type: "object",
    properties: {
      imports: { ...STRINGS, description: "the imports refused" },
      diagnostics: { type: "array", items: DIAGNOSTIC },
    },
  },
  invalid_manifest: {
    type: "object",
    required: ["problems"],
    properties: {
      file: { type: "string", description: "the manifest file" },
      problems: { type: "array", minItems: 1, items: PROBLEM },
    },
  },
  invalid_input: {
    type: "object",
    properties: {
      file: { type: "string", description: "the file (the first, when several are bad)" },
      field: { type: "string", description: "the flag or field that was wrong" },
      problems: { type: "array", items: PROBLEM },
    },
  },
};

/**
 * "When `condition` holds, so must `consequence`": draft-07's if/then, written as `not condition or
 * consequence` (an object with a `then` key looks like a Promise to `await`).
 */
function implies(condition: JsonSchema, consequence: JsonSchema): JsonSchema {
  return { anyOf: [{ not: condition }, consequence] };
}

/**
 * The `error` object of a command that could not do its work: a closed code, its reason (or null), the
 * message, and `details` with `fix` always, typed by reason (`compile_error`: `diagnostics[]`,
 * `invalid_manifest`: `problems[]` …) and, for a refusal, by rule.
 */
export const COMMAND_ERROR_SCHEMA: JsonSchema = {
  type: "object",
  required: ["code", "reason", "message", "details"],
  additionalProperties: false,
  properties: {
    code: { enum: [...ERROR_CODES] },
    reason: { enum: [null, ...ERROR_REASONS] },
    message: { type: "string", description: "for people: quotes the offending value and says the fix" },
    details: {
      type: "object",
      required: ["fix"],
      properties: {
        fix: {
          type: "string",
          minLength: 1,
          description:
            "what to do next, in one line: the error's own, else its rule's, else the contract's for its reason or code (explain_error)",
        },
      },
    },
  },
  allOf: [
    ...Object.entries(BY_REASON).map(([reason, details]) =>
      implies({ properties: { reason: { const: reason } } }, { properties: { details } }),
    ),
    implies(
      { properties: { details: { type: "object", required: ["rule"] } } },
      { properties: { details: RULE_DETAILS } },
    ),
  ],
};
