import { formatBytes } from "@ameide-ext/contract";
import type { SchemaCheck } from "./json-schema.js";
import type { InvalidArgumentsError } from "./tool-result.js";

/** Arguments read, checked and ready to send. */
export interface ReadArguments {
  ok: true;
  /** The JSON sent to the extension. */
  text: string;
  /** `text`, parsed: what the schema checked and the audit record keeps. */
  value: unknown;
  bytes: number;
}

/** Arguments refused; `value` is set when they were read before the schema refused them. */
export interface RefusedArguments {
  ok: false;
  error: InvalidArgumentsError;
  value?: unknown;
  bytes: number;
}

/** The deepest nesting of objects and arrays read in a call's arguments. Deeper is refused before parsing. */
export const MAX_ARGS_DEPTH = 64;

/**
 * Whether JSON text nests objects and arrays deeper than `limit`, by one
 * pass over its characters (brackets inside strings do not count): no
 * recursion, so a hostile document cannot exhaust the stack here, nor later
 * in the validator, the audit sink or the guest.
 */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

const invalid = (
  reason: InvalidArgumentsError["reason"],
  message: string,
  details: Record<string, unknown>,
): InvalidArgumentsError => ({
  kind: "invalid_arguments",
  code: "invalid_argument",
  reason,
  message,
  details,
});

/** The arguments as JSON text: a string is taken as JSON already (OpenAI's `arguments`), anything else serialized. */
function toText(args: unknown): string | InvalidArgumentsError {
  if (typeof args === "string") return args;
  try {
    const text = JSON.stringify(args === undefined ? {} : args);
    if (text !== undefined) return text;
  } catch (cause) {
    return invalid("invalid_input", `the arguments cannot be sent as JSON: ${(cause as Error).message}`, {});
  }
  return invalid("invalid_input", `the arguments cannot be sent as JSON: got a ${typeof args}`, {});
}

/**
 * Reads a model's arguments: caps their size and their nesting first (a
 * hostile agent's megabytes or stack bomb are never parsed nor validated),
 * then parses them and checks them against the input schema. The value checked is the JSON sent (the
 * model's text re-serialized), so what a schema allowed is exactly what the extension gets.
 */
export function readArguments(
  args: unknown,
  check: SchemaCheck,
  maxBytes: number,
): ReadArguments | RefusedArguments {
  const text = toText(args);
  if (typeof text !== "string") return { ok: false, error: text, bytes: 0 };
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes)
    return {
      ok: false,
      bytes,
      error: invalid(
        "input_size",
        `the arguments are ${formatBytes(bytes)}, the tool's limit is ${formatBytes(maxBytes)}; send less`,
        { actual: bytes, limit: maxBytes },
      ),
    };
  if (nestsDeeperThan(text, MAX_ARGS_DEPTH)) {
    const message = `the arguments nest objects or arrays deeper than ${MAX_ARGS_DEPTH} levels; flatten them`;
    return { ok: false, bytes, error: invalid("invalid_input", message, { limit: MAX_ARGS_DEPTH }) };
  }
  let value: unknown;
  let sent: string;
  try {
    // The model's text re-serialized is what is checked and sent: a duplicate key (kept first by some
    // parsers, last by JSON.parse) or 1e400 (Infinity, sent as null) cannot mean one thing to the schema
    // and another to the guest.
    sent = JSON.stringify(JSON.parse(text));
    value = JSON.parse(sent);
  } catch (cause) {
    const message = `the arguments are not JSON: ${(cause as Error).message}`;
    return { ok: false, bytes, error: invalid("invalid_input", message, {}) };
  }
  const sentBytes = Buffer.byteLength(sent, "utf8");
  if (sentBytes > maxBytes)
    return {
      ok: false,
      bytes: sentBytes,
      error: invalid(
        "input_size",
        `the arguments are ${formatBytes(sentBytes)} as sent, the tool's limit is ${formatBytes(maxBytes)}; send less`,
        {
          actual: sentBytes,
          limit: maxBytes,
        },
      ),
    };
  const errors = check(value);
  if (errors.length === 0) return { ok: true, text: sent, value, bytes: sentBytes };
  const list = errors.map((e) => `${e.instancePath || "(arguments)"} ${e.message ?? e.keyword}`).join("; ");
  const message = `the arguments do not match the tool's input schema: ${list}`;
  return { ok: false, bytes, value, error: invalid("invalid_input", message, { errors }) };
}
