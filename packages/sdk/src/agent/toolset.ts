import { type ExecutionContext, ExtensionError } from "@ameide-ext/contract";
import type { ExtensionTool, ToolCallOptions } from "./extension-tool.js";
import type { AnthropicTool, McpTool, OpenAITool } from "./tool-descriptors.js";
import type { ToolResult } from "./tool-result.js";

/** The tools an agent is given, listed in each format and called by the name the model uses. */
export interface Toolset {
  /** The tools, by name. */
  readonly tools: ReadonlyMap<string, ExtensionTool>;
  /** What an MCP server answers to `tools/list`. */
  readonly mcp: McpTool[];
  /** OpenAI Chat Completions `tools`. */
  readonly openai: OpenAITool[];
  /** Anthropic Messages `tools`. */
  readonly anthropic: AnthropicTool[];
  /**
   * Calls the tool the model named (see ExtensionTool.invoke). A name the
   * set does not hold throws `not_found`: the model called a tool it was never
   * given, which no retry of its arguments can fix.
   */
  invoke(name: string, args: unknown, ctx: ExecutionContext, call?: ToolCallOptions): Promise<ToolResult>;
}

/**
 * Gathers tools into one set. Throws `invalid_argument/invalid_input` when
 * two share a name (two extension ids that map to one name: give one its own
 * `name`).
 */
export function createToolset(tools: readonly ExtensionTool[]): Toolset {
  const byName = new Map<string, ExtensionTool>();
  for (const tool of tools) {
    const other = byName.get(tool.name);
    if (other)
      throw new ExtensionError(
        "invalid_argument",
        `two tools are named ${JSON.stringify(tool.name)} (extensions ${other.extensionId} and ${tool.extensionId}); give one its own name`,
        "invalid_input",
        { name: tool.name },
      );
    byName.set(tool.name, tool);
  }
  return {
    tools: byName,
    mcp: tools.map((t) => t.mcp),
    openai: tools.map((t) => t.openai),
    anthropic: tools.map((t) => t.anthropic),
    async invoke(name, args, ctx, call) {
      const tool = byName.get(name);
      if (tool === undefined)
        throw new ExtensionError("not_found", `no tool is named ${JSON.stringify(name)}`, undefined, {
          name,
          known: [...byName.keys()],
        });
      return tool.invoke(args, ctx, call);
    },
  };
}
