import {
  DEFAULT_SIZE_LIMITS,
  type ExecutionContext,
  ExtensionError,
  formatBytes,
} from "@ameide-ext/contract";
import { consumerRef } from "../consumer-ref.js";
import type { InvokeResult } from "../read-response.js";
import type { RuntimeClient } from "../runtime-client.js";
import type { AuditRecord, AuditSink } from "./audit-record.js";
import type { JsonSchema } from "./json-schema.js";
import { readArguments } from "./tool-arguments.js";
import {
  auditError,
  auditWriter,
  notRun,
  type OpenRecord,
  openRecord,
  type RecordEnd,
  ranBefore,
  ranWith,
} from "./tool-call-audit.js";
import { readToolDefinition, type ToolDefinition } from "./tool-definition.js";
import {
  type AnthropicTool,
  anthropicTool,
  type McpTool,
  mcpTool,
  type OpenAITool,
  openaiTool,
} from "./tool-descriptors.js";
import { checkToolName, toolNameFor } from "./tool-name.js";
import { errorText, type ToolError, type ToolResult } from "./tool-result.js";

/** The default cap on a call's arguments: the runtime's default input limit, 256 KiB. */
export const DEFAULT_MAX_ARGS_BYTES = DEFAULT_SIZE_LIMITS.inputBytes;

/** How a tool behaves. */
export interface ExtensionToolOptions {
  /** The tool's name. Default the extension id, mapped to `^[a-zA-Z0-9_-]{1,64}$` ({@link toolNameFor}). */
  name?: string | undefined;
  /** Where each call's audit record goes. Default none (the record is still on each result). */
  audit?: AuditSink | undefined;
  /** Hears a sink's failure; the tool answers anyway. Default: one line on stderr. */
  onAuditError?: ((error: unknown, record: AuditRecord) => void) | undefined;
  /** Checks the output against `output_schema` (a mismatch throws `internal/invalid_output`). Default true. */
  validateOutput?: boolean | undefined;
  /** Largest arguments, in bytes of JSON, read at all. Default 256 KiB; a positive whole number. */
  maxArgsBytes?: number | undefined;
  /** Deadline of each call in milliseconds, retries included. Default the client's. */
  timeoutMs?: number | undefined;
  /** The clock of audit timestamps. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
}

/** One call's own options. */
export interface ToolCallOptions {
  /** The model's id of this call (Anthropic's tool_use id, OpenAI's tool call id), kept in the audit record. */
  toolCallId?: string | undefined;
  /** Deadline in milliseconds, retries included. Default the tool's, else the client's. */
  timeoutMs?: number | undefined;
  /** Cancels the call. */
  signal?: AbortSignal | undefined;
  /** The end user's own token, when the agent acts for one (see InvokeOptions.userToken). */
  userToken?: string | undefined;
}

/** An extension as a deterministic agent tool (spec 479 §4.3). */
export interface ExtensionTool<O = unknown> {
  /** The tool's name, valid for MCP, OpenAI and Anthropic. */
  readonly name: string;
  readonly extensionId: string;
  /** The version it calls: "latest" or a pinned one. */
  readonly version: string;
  readonly description: string;
  readonly inputSchema: JsonSchema;
  readonly outputSchema: JsonSchema | undefined;
  /** The MCP `Tool` descriptor. */
  readonly mcp: McpTool;
  /** The OpenAI function-calling descriptor. */
  readonly openai: OpenAITool;
  /** The Anthropic tool-use descriptor. */
  readonly anthropic: AnthropicTool;
  /**
   * Calls the extension with the model's arguments, on behalf of the agent
   * (`ctx` from agentContext()). Resolves with the output, or an error result
   * the model can read (`isError`): arguments refused before any RPC, or the
   * extension's business error. Throws an ExtensionError for a technical
   * error. Every call, refused or not, writes one audit record.
   */
  invoke(args: unknown, ctx: ExecutionContext, call?: ToolCallOptions): Promise<ToolResult<O>>;
}

interface ToolCore {
  client: RuntimeClient;
  name: string;
  extensionId: string;
  version: string;
  checkInput: ReturnType<typeof readToolDefinition>["checkInput"];
  checkOutput: ReturnType<typeof readToolDefinition>["checkOutput"];
  maxArgsBytes: number;
  timeoutMs: number | undefined;
  now: () => Date;
  audit: (record: AuditRecord) => Promise<void>;
}

/** The tool's size cap and deadline, checked once: each must be positive. */
function checkLimits(options: ExtensionToolOptions): { maxArgsBytes: number; timeoutMs: number | undefined } {
  const maxArgsBytes = options.maxArgsBytes ?? DEFAULT_MAX_ARGS_BYTES;
  if (!Number.isSafeInteger(maxArgsBytes) || maxArgsBytes < 1)
    throw new ExtensionError(
      "invalid_argument",
      `maxArgsBytes is ${maxArgsBytes}; give a positive whole number of bytes (default ${formatBytes(DEFAULT_MAX_ARGS_BYTES)})`,
      "invalid_input",
    );
  const timeoutMs = options.timeoutMs;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0))
    throw new ExtensionError(
      "invalid_argument",
      `timeoutMs is ${timeoutMs}; give a positive number of milliseconds, or none for the client's`,
      "invalid_input",
    );
  return { maxArgsBytes, timeoutMs };
}

/**
 * Turns an extension into an agent tool: its descriptors for MCP, OpenAI and
 * Anthropic, and an `invoke` that validates the model's arguments (ajv)
 * before any RPC and audits every call. `definition` is the extension's
 * manifest, or its essentials (`id`, `description`, `input_schema`,
 * `output_schema`, `version`). Throws `invalid_argument` for an invalid
 * definition or option.
 */
export function extensionTool<O = unknown>(
  client: RuntimeClient,
  definition: ToolDefinition,
  options: ExtensionToolOptions = {},
): ExtensionTool<O> {
  const def = readToolDefinition(definition);
  const name = options.name === undefined ? toolNameFor(def.extensionId) : checkToolName(options.name);
  const { maxArgsBytes, timeoutMs } = checkLimits(options);
  const core: ToolCore = {
    client,
    name,
    extensionId: def.extensionId,
    version: def.version,
    checkInput: def.checkInput,
    checkOutput: options.validateOutput === false ? () => [] : def.checkOutput,
    maxArgsBytes,
    timeoutMs,
    now: options.now ?? (() => new Date()),
    audit: auditWriter(options.audit, options.onAuditError),
  };
  const parts = {
    name,
    description: def.description,
    inputSchema: def.inputSchema,
    outputSchema: def.outputSchema,
  };
  return {
    name,
    extensionId: def.extensionId,
    version: def.version,
    description: def.description,
    inputSchema: def.inputSchema,
    outputSchema: def.outputSchema,
    mcp: mcpTool(parts),
    openai: openaiTool(parts),
    anthropic: anthropicTool(parts),
    invoke: (args, ctx, call = {}) => invokeTool<O>(core, args, ctx, call),
  };
}

async function invokeTool<O>(
  tool: ToolCore,
  args: unknown,
  agentCtx: ExecutionContext,
  call: ToolCallOptions,
): Promise<ToolResult<O>> {
  const start = {
    tool: tool.name,
    extensionId: tool.extensionId,
    requestedVersion: tool.version,
    toolCallId: call.toolCallId,
    now: tool.now,
    audit: tool.audit,
  };
  const { ctx, finish } = openRecord(start, agentCtx);
  if (agentCtx?.actorType !== "AGENT") {
    const err = notAnAgent(agentCtx);
    await finish({ ...notRun(), inputBytes: 0, outcome: "technical_error", error: auditError(err) });
    throw err;
  }
  let read: ReturnType<typeof readArguments>;
  try {
    read = readArguments(args, tool.checkInput, tool.maxArgsBytes);
  } catch (cause) {
    const err = ExtensionError.from(cause);
    await finish({ ...notRun(), inputBytes: 0, outcome: "technical_error", error: auditError(err) });
    throw err;
  }
  if (!read.ok) {
    const end: RecordEnd = {
      ...notRun(),
      inputBytes: read.bytes,
      outcome: "invalid_arguments",
      error: {
        code: read.error.code,
        reason: read.error.reason,
        message: read.error.message,
        details: read.error.details,
      },
    };
    if (read.value !== undefined) end.input = read.value;
    return errorResult(read.error, await finish(end));
  }
  const seen = { input: read.value, inputBytes: read.bytes };
  let res: InvokeResult<O>;
  try {
    res = await tool.client.invoke<O>({
      extensionId: tool.extensionId,
      version: tool.version,
      ctx,
      input: read.text,
      timeoutMs: call.timeoutMs ?? tool.timeoutMs,
      signal: call.signal,
      userToken: call.userToken,
      hookPoint: `agent/${tool.name}`,
      // The registry pins an agent as agent:<id>; an agent's context carries its id as the user.
      consumerRef: consumerRef("agent", ctx.userId),
    });
  } catch (cause) {
    const err = ExtensionError.from(cause);
    await finish({ ...seen, ...ranBefore(err), outcome: "technical_error", error: auditError(err) });
    throw err;
  }
  return answer(tool, res, { ...seen, ...ranWith(res) }, finish);
}

/** The tool result of an answer: a business error as an error result, an output checked against its schema. */
async function answer<O>(
  tool: ToolCore,
  res: InvokeResult<O>,
  ran: Omit<RecordEnd, "outcome">,
  finish: OpenRecord["finish"],
): Promise<ToolResult<O>> {
  if (res.outcome === "business_error") {
    const error: ToolError = { kind: "business_error", ...res.businessError };
    return errorResult(error, await finish({ ...ran, outcome: "business_error", error: res.businessError }));
  }
  let problems: ReturnType<ToolCore["checkOutput"]>;
  try {
    problems = tool.checkOutput(res.output);
  } catch (cause) {
    const err = ExtensionError.from(cause);
    await finish({ ...ran, outcome: "technical_error", output: res.output, error: auditError(err) });
    throw err;
  }
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.instancePath || "(output)"} ${p.message ?? p.keyword}`).join("; ");
    const err = new ExtensionError(
      "internal",
      `${tool.extensionId}@${res.resolvedVersion} answered an output its output schema refuses: ${list}; fix the extension or its output_schema`,
      "invalid_output",
      { errors: problems },
    );
    await finish({ ...ran, outcome: "technical_error", output: res.output, error: auditError(err) });
    throw err;
  }
  const audit = await finish({ ...ran, outcome: "ok", output: res.output });
  return { isError: false, output: res.output, text: JSON.stringify(res.output), audit };
}

function errorResult(error: ToolError, audit: AuditRecord): ToolResult<never> {
  return { isError: true, error, text: errorText(error), audit };
}

function notAnAgent(ctx: ExecutionContext | undefined): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    `an agent tool runs on behalf of an agent, but the context's actorType is ${JSON.stringify(ctx?.actorType)}; build it with agentContext({ tenantId, agentId })`,
    "invalid_input",
    { field: "ctx.actorType" },
  );
}
