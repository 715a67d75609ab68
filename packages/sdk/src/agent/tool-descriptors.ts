import type { JsonSchema } from "./json-schema.js";

/** An MCP `Tool`, as a server lists it in `tools/list`. */
export interface McpTool {
  name: string;
  description: string;
  inputSchema: JsonSchema;
  /** Present when the output schema's root is an object (MCP's structured content must be one). */
  outputSchema?: JsonSchema;
}

/** An OpenAI Chat Completions function tool, as listed in a request's `tools`. */
export interface OpenAITool {
  type: "function";
  function: { name: string; description: string; parameters: JsonSchema };
}

/** An Anthropic Messages API client tool, as listed in a request's `tools`. */
export interface AnthropicTool {
  name: string;
  description: string;
  input_schema: JsonSchema;
}

/** What the three descriptors are made of. */
export interface DescriptorParts {
  name: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema | undefined;
}

/** The tool's MCP descriptor. */
export function mcpTool(p: DescriptorParts): McpTool {
  const tool: McpTool = { name: p.name, description: p.description, inputSchema: p.inputSchema };
  if (p.outputSchema?.type === "object") tool.outputSchema = p.outputSchema;
  return tool;
}

/** The tool's OpenAI function-calling descriptor. */
export function openaiTool(p: DescriptorParts): OpenAITool {
  return {
    type: "function",
    function: { name: p.name, description: p.description, parameters: p.inputSchema },
  };
}

/** The tool's Anthropic tool-use descriptor. */
export function anthropicTool(p: DescriptorParts): AnthropicTool {
  return { name: p.name, description: p.description, input_schema: p.inputSchema };
}
