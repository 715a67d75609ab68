// FEEL, as bpmn.io's feelin reads it: a mapping's source is a FEEL expression when it starts with "=" (as in
// Camunda's "=deal.amount"), a constant string otherwise.
import { evaluate, isFunction, isRange, parseExpression } from "feelin";

/** The longest source a mapping may have, in characters: longer is refused when the task is defined. */
export const MAX_FEEL_SOURCE_LENGTH = 4096;
/** How long the mappings of one direction of a run may evaluate together, in milliseconds (a loop over a huge range, a regex that backtracks). */
export const FEEL_EVALUATION_TIMEOUT_MS = 500;
/** The largest value one mapping may give, in bytes of JSON (the value of `for x in 1..n`, a repeated string). */
export const MAX_FEEL_VALUE_BYTES = 1024 * 1024;

/** One mapping of an Extension Task: `source` (FEEL after "=", or a constant) written to `target`. */
export interface Mapping {
  /** "=deal.amount" (a FEEL expression), or a constant string such as "EUR". */
  source: string;
  /** A variable name or a dotted path into one ("amount", "deal.approved"). */
  target: string;
}

/** A FEEL syntax error: feelin's message and the offset in the expression (after the "="). */
export interface FeelSyntaxError {
  message: string;
  position: number;
}

/** The FEEL expression of a source, or undefined when the source is a constant. */
export function feelExpression(source: string): string | undefined {
  return source.startsWith("=") ? source.slice(1) : undefined;
}

/** Parses a source's expression; the syntax error, if it has one. Constants have none. */
export function feelSyntaxError(source: string): FeelSyntaxError | undefined {
  const expression = feelExpression(source);
  if (expression === undefined) return undefined;
  if (expression.trim() === "") return { message: "the expression after '=' is empty", position: 0 };
  // feelin's parser recovers from errors (the interpreter lints the tree before it runs); find the first
  // error node ourselves, so checking never evaluates (an expression may loop a long time).
  let error: FeelSyntaxError | undefined;
  parseExpression(expression, {}, undefined).iterate({
    enter: (node) => {
      if (error !== undefined) return false;
      if (!node.type.isError) return undefined;
      const text = expression.slice(node.from, node.to);
      error =
        node.from === node.to
          ? { message: `the expression is incomplete at offset ${node.from}`, position: node.from }
          : { message: `unexpected ${JSON.stringify(text)} at offset ${node.from}`, position: node.from };
      return false;
    },
  });
  return error;
}

/**
 * The value of a source against `context`: the constant, or the FEEL
 * expression's value. FEEL's rules apply: a variable or a property that is
 * not there is null, not an error.
 */
export function evaluateSource(source: string, context: Record<string, unknown>): unknown {
  const expression = feelExpression(source);
  if (expression === undefined) return source;
  return evaluate(expression, context).value;
}

/** What JSON cannot carry in a FEEL value: "a function", "a range", or undefined when it is all JSON. */
function unserializable(value: unknown, depth = 0): string | undefined {
  if (isFunction(value)) return "a function";
  if (isRange(value)) return "a range";
  if (typeof value !== "object" || value === null || depth > 64) return undefined;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    const what = unserializable(v, depth + 1);
    if (what !== undefined) return what;
  }
  return undefined;
}

/**
 * A FEEL value as plain JSON data (dates, times and durations become their
 * ISO strings), or what keeps it from being JSON ("a function", "a range"),
 * or its size when its JSON is over `maxBytes` (not parsed back then).
 */
export function toJsonValue(
  value: unknown,
  maxBytes = MAX_FEEL_VALUE_BYTES,
): { value: unknown } | { unserializable: string } | { tooLarge: number } {
  const what = unserializable(value);
  if (what !== undefined) return { unserializable: what };
  const text = value === undefined ? "null" : (JSON.stringify(value) ?? "null");
  const bytes = text.length > maxBytes ? text.length : Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) return { tooLarge: bytes };
  return { value: JSON.parse(text) };
}
