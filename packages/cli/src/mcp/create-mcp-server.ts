import { ExtensionError } from "@ameide-ext/contract";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { Ajv, type ValidateFunction } from "ajv";
import { listMcpResources, type McpResource } from "./mcp-resources.js";
import { MCP_TOOLS, type McpSession, type McpTool } from "./mcp-tools.js";
import { toToolError, toToolResult } from "./tool-result.js";
import { WRITE_HOOK_ARGUMENTS, writeHookPrompt } from "./write-hook-prompt.js";

/**
 * The largest arguments of one tool call, as JSON: 1 MiB (four times the runtime's input limit, so run_hook's
 * own input_size refusal is the one an agent meets first). Larger calls are refused with
 * `invalid_argument/input_size` before any work. Lines past 10 MiB never reach us: the SDK's stdio transport
 * drops them.
 */
export const MAX_TOOL_ARGUMENTS_BYTES = 1024 * 1024;

/** The one prompt: new -> test -> promote. */
export const WRITE_HOOK_PROMPT = "write_hook";

/**
 * The MCP server of `ameide-ext mcp`: the tools of {@link MCP_TOOLS} (arguments checked against their
 * schemas, unknown fields refused; every failure a tool error with code, reason and `details.fix`), the
 * resources of {@link listMcpResources} and the `write_hook` prompt. Connect it to a transport
 * (`StdioServerTransport`).
 */
export function createMcpServer(session: McpSession, info: { version: string }): Server {
  const server = new Server(
    { name: "ameide-ext", version: info.version },
    {
      capabilities: { tools: {}, resources: {}, prompts: {} },
      instructions:
        "ameide-ext: write, build, test, run and promote sandboxed WebAssembly hooks. Start with the write_hook prompt; read ameide-ext://contract/CONTRACT.md. A tool error carries error.code, error.reason and error.details.fix; explain_error explains any code or reason. Promotions past a gate need a human approval: you cannot approve.",
    },
  );
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validators = new Map<string, ValidateFunction>(
    MCP_TOOLS.map((t) => [t.name, ajv.compile(t.inputSchema)]),
  );
  let resources: Promise<McpResource[]> | undefined;
  const allResources = () => {
    resources ??= listMcpResources();
    return resources;
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: MCP_TOOLS.map((t) => ({
      name: t.name,
      description: t.description,
      annotations: t.annotations,
      inputSchema: t.inputSchema as { type: "object" },
      outputSchema: t.outputSchema as { type: "object" },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = MCP_TOOLS.find((t) => t.name === request.params.name);
    if (tool === undefined) return toToolError(unknownTool(request.params.name));
    const token = request.params._meta?.progressToken;
    let step = 0;
    const progress = (message: string) => {
      if (token === undefined) return;
      step += 1;
      void extra
        .sendNotification({
          method: "notifications/progress",
          params: { progressToken: token, progress: step, message },
        })
        .catch(() => {});
    };
    return callTool(
      tool,
      validators.get(tool.name) as ValidateFunction,
      request.params.arguments ?? {},
      session,
      progress,
    );
  });
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: (await allResources()).map(({ uri, name, description, mimeType }) => ({
      uri,
      name,
      description,
      mimeType,
    })),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const found = (await allResources()).find((r) => r.uri === request.params.uri);
    if (found === undefined)
      throw new ExtensionError(
        "not_found",
        `no resource ${JSON.stringify(request.params.uri)}: resources/list names them`,
      );
    return { contents: [{ uri: found.uri, mimeType: found.mimeType, text: await found.read() }] };
  });
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: [
      {
        name: WRITE_HOOK_PROMPT,
        description: "Write a hook: scaffold, fixtures, code, test until green, promote to dev.",
        arguments: WRITE_HOOK_ARGUMENTS.map((a) => ({ ...a })),
      },
    ],
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    if (request.params.name !== WRITE_HOOK_PROMPT)
      throw new ExtensionError(
        "not_found",
        `no prompt ${JSON.stringify(request.params.name)}: use ${WRITE_HOOK_PROMPT}`,
      );
    return {
      description: "Write a hook: scaffold, fixtures, code, test until green, promote to dev.",
      messages: [
        { role: "user", content: { type: "text", text: writeHookPrompt(request.params.arguments ?? {}) } },
      ],
    };
  });
  return server;
}

/** Checks the arguments (size, then schema) and runs the tool; any failure is a tool error. */
async function callTool(
  tool: McpTool,
  validate: ValidateFunction,
  args: Record<string, unknown>,
  session: McpSession,
  progress: (message: string) => void,
): Promise<CallToolResult> {
  try {
    const bytes = argumentBytes(tool.name, args);
    if (bytes > MAX_TOOL_ARGUMENTS_BYTES)
      throw new ExtensionError(
        "invalid_argument",
        `the arguments of ${tool.name} are ${bytes} bytes, the limit is ${MAX_TOOL_ARGUMENTS_BYTES}: send less (for run_hook, a smaller input)`,
        "input_size",
        { limit: MAX_TOOL_ARGUMENTS_BYTES, actual: bytes, fix: "send smaller arguments" },
      );
    if (!validate(args)) {
      const problems = (validate.errors ?? []).map(
        (e) =>
          `${e.instancePath || "(arguments)"} ${e.message ?? "is invalid"}${e.keyword === "additionalProperties" ? `: ${JSON.stringify((e.params as { additionalProperty?: string }).additionalProperty)}` : ""}`,
      );
      throw new ExtensionError(
        "invalid_argument",
        `the arguments of ${tool.name} do not match its inputSchema: ${problems.join("; ")}`,
        "invalid_input",
        {
          problems,
          fix: `send only the fields of ${tool.name}'s inputSchema (tools/list), with their types`,
        },
      );
    }
    return toToolResult(await tool.run(args, session, progress));
  } catch (cause) {
    return toToolError(cause);
  }
}

/** The size of `args` as JSON; arguments nested too deeply to serialise are `invalid_argument/invalid_input`. */
function argumentBytes(name: string, args: Record<string, unknown>): number {
  try {
    return Buffer.byteLength(JSON.stringify(args));
  } catch (cause) {
    if (!(cause instanceof RangeError)) throw cause;
    throw new ExtensionError(
      "invalid_argument",
      `the arguments of ${name} are nested too deeply to be handled: send a flatter document`,
      "invalid_input",
      { fix: "send a flatter document" },
    );
  }
}

function unknownTool(name: string): ExtensionError {
  const fix =
    name === "approve" || name === "approve_hook"
      ? "an agent never approves: ask a human reviewer to run `ameide-ext approve`"
      : `call one of ${MCP_TOOLS.map((t) => t.name).join(", ")}`;
  return new ExtensionError("not_found", `no tool ${JSON.stringify(name)}: ${fix}`, undefined, { fix });
}
