// Business errors: `return fail("CODE", "message")` from `run` makes the
// invocation return the `err` variant of `result<string, string>` with the
// payload `{"code": …, "message": …, "details"?: …}`.

import { setPendingError } from "./abi";
import { JSON } from "./json";

/**
 * Records a business error for this invocation and returns an empty string
 * to return from `run`: `return fail("MARGIN_TOO_LOW", "…")`. Once called,
 * the invocation ends with this error whatever `run` returns; a later call
 * replaces it.
 */
export function fail(code: string, message: string): string {
  setPendingError(JSON.object().set("code", code).set("message", message).toString());
  return "";
}

/** Like `fail`, with structured `details` added to the error payload. */
export function failWith(code: string, message: string, details: JSON.Value): string {
  setPendingError(JSON.object().set("code", code).set("message", message).set("details", details).toString());
  return "";
}
