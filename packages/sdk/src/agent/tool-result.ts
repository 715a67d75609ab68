import type { ErrorReason } from "@ameide-ext/contract";
import type { AuditRecord } from "./audit-record.js";

/** The model's arguments were refused before any RPC: it can read why and call again. */
export interface InvalidArgumentsError {
  kind: "invalid_arguments";
  code: "invalid_argument";
  /** `invalid_input` (not JSON, or against the input schema) or `input_size` (over the tool's cap). */
  reason: Extract<ErrorReason, "invalid_input" | "input_size">;
  message: string;
  /** `{ errors }`: ajv's errors (at most 20); `{ actual, limit }` for `input_size`. */
  details: Record<string, unknown>;
}

/** The extension ran and refused the input with its own code. */
export interface BusinessToolError {
  kind: "business_error";
  /** The guest's code, verbatim ("ACCOUNT_NOT_FOUND"). */
  code: string;
  message: string;
  details?: unknown;
}

/** An error the model should see, as a tool result with `isError`. */
export type ToolError = InvalidArgumentsError | BusinessToolError;

interface ToolResultBase {
  /** What the model reads: the output as JSON, or `{"error":{code,message,details?}}`. */
  text: string;
  /** The call's audit record (also given to the tool's sink). */
  audit: AuditRecord;
}

/** The extension answered. */
export interface ToolOutput<O> extends ToolResultBase {
  isError: false;
  output: O;
}

/** The model's arguments were refused, or the extension refused them with a business error. */
export interface ToolErrorResult extends ToolResultBase {
  isError: true;
  error: ToolError;
}

/**
 * What `tool.invoke` resolves with. Technical errors (the runtime down, a
 * limit, an unknown extension, an output against its schema) are thrown as
 * ExtensionError instead: the model cannot fix them.
 */
export type ToolResult<O = unknown> = ToolOutput<O> | ToolErrorResult;

/** The text of a tool error, as the model reads it. */
export function errorText(error: ToolError): string {
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  return JSON.stringify({ error: body });
}

/** An MCP `CallToolResult`. */
export interface McpCallToolResult {
  content: Array<{ type: "text"; text: string }>;
  /** The output, when it is a JSON object (MCP's structured content must be one). */
  structuredContent?: Record<string, unknown>;
  isError: boolean;
}

/** The result as an MCP server's `tools/call` answer: errors the model can act on carry `isError: true`. */
export function toMcpResult(result: ToolResult): McpCallToolResult {
  const mcp: McpCallToolResult = { content: [{ type: "text", text: result.text }], isError: result.isError };
  const o = result.isError ? undefined : result.output;
  if (typeof o === "object" && o !== null && !Array.isArray(o))
    mcp.structuredContent = o as Record<string, unknown>;
  return mcp;
}

/** An Anthropic Messages API `tool_result` content block. */
export interface AnthropicToolResult {
  type: "tool_result";
  tool_use_id: string;
  content: string;
  is_error?: true;
}

/** The result as the `tool_result` block answering the model's `tool_use` block `toolUseId`. */
export function toAnthropicResult(result: ToolResult, toolUseId: string): AnthropicToolResult {
  const block: AnthropicToolResult = { type: "tool_result", tool_use_id: toolUseId, content: result.text };
  if (result.isError) block.is_error = true;
  return block;
}

/** An OpenAI Chat Completions `tool` message. */
export interface OpenAIToolMessage {
  role: "tool";
  tool_call_id: string;
  content: string;
}

/** The result as the `tool` message answering the model's tool call `toolCallId` (OpenAI has no error flag). */
export function toOpenAIResult(result: ToolResult, toolCallId: string): OpenAIToolMessage {
  return { role: "tool", tool_call_id: toolCallId, content: result.text };
}
