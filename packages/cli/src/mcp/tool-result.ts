import { ExtensionError } from "@ameide-ext/contract";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { toErrorDocument } from "../report/json-documents.js";

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
  const doc = toErrorDocument(ExtensionError.from(cause));
  return { isError: true, content: [{ type: "text", text: JSON.stringify(doc) }] };
}
