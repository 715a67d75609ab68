/**
 * `@ameide-ext/sdk/agent`: extensions as deterministic agent tools (spec 479
 * §4.3). An extension's manifest becomes MCP, OpenAI and Anthropic tool
 * descriptors; a call validates the model's arguments with ajv before any
 * RPC and writes an audit record that names exactly the code that answered.
 * Needs `ajv` (an optional peer of the SDK: install it beside it).
 */

export type { AuditError, AuditOutcome, AuditRecord, AuditSink } from "./audit-record.js";
export type { ExtensionTool, ExtensionToolOptions, ToolCallOptions } from "./extension-tool.js";
export { DEFAULT_MAX_ARGS_BYTES, extensionTool } from "./extension-tool.js";
export type { JsonSchema, SchemaError } from "./json-schema.js";
export { MAX_REPORTED_ERRORS, SCHEMA_CHECK_TIMEOUT_MS } from "./json-schema.js";
export type { JsonlAuditSink, JsonlAuditSinkOptions } from "./jsonl-audit-sink.js";
export { createJsonlAuditSink } from "./jsonl-audit-sink.js";
export { toolDefinitionFromRegistry } from "./registry-definition.js";
export type { ReplayDifference, ReplayOptions, ReplayReport } from "./replay-audit-record.js";
export { replayAuditRecord } from "./replay-audit-record.js";
export { MAX_ARGS_DEPTH } from "./tool-arguments.js";
export type { ToolDefinition } from "./tool-definition.js";
export { MAX_SCHEMA_BYTES, MAX_SCHEMA_DEPTH } from "./tool-definition.js";
export type { AnthropicTool, McpTool, OpenAITool } from "./tool-descriptors.js";
export { MAX_TOOL_NAME_LENGTH, TOOL_NAME_PATTERN, toolNameFor } from "./tool-name.js";
export type {
  AnthropicToolResult,
  BusinessToolError,
  InvalidArgumentsError,
  McpCallToolResult,
  OpenAIToolMessage,
  ToolError,
  ToolErrorResult,
  ToolOutput,
  ToolResult,
} from "./tool-result.js";
export { toAnthropicResult, toMcpResult, toOpenAIResult } from "./tool-result.js";
export type { Toolset } from "./toolset.js";
export { createToolset } from "./toolset.js";
