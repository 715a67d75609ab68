import { type ErrorCode, type ErrorReason, ExtensionError, explainError } from "@ameide-ext/contract";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { explainRule } from "../registry/rule-guide.js";

/** A tool's answer: the document as structured content, and as JSON text for clients that read only text. */
export function toToolResult(doc: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(doc) }], structuredContent: doc };
}

/**
 * A tool error (`isError`): the CLI's error document `{ ok: false, error: { code, reason, message, details } }`
 * as JSON text, with `details.fix`, the one-line remedy (the error's own, else the contract's for its reason
 * rule, reason or code). No structured content: a client checks that only against the success schema.
 */
export function toToolError(cause: unknown): CallToolResult {
  const error = ExtensionError.from(cause);
  const details: Record<string, unknown> = { ...error.details };
  if (typeof details.fix !== "string")
    details.fix =
      (typeof details.rule === "string" ? explainRule(details.rule)?.fix : undefined) ??
      fixFor(error.code, error.reason);
  const doc = {
    ok: false,
    error: { code: error.code, reason: error.reason ?? null, message: error.message, details },
  };
  return { isError: true, content: [{ type: "text", text: JSON.stringify(doc) }] };
}

function fixFor(code: ErrorCode, reason: ErrorReason | undefined): string {
  return explainError(reason === undefined ? { code } : { reason }).fix;
}
