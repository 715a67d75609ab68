import {
  type InvokeExtensionRequest,
  type InvokeExtensionResponse,
  InvokeExtensionResponseSchema,
  Outcome,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { agentContext, userContext } from "../execution-context.js";
import { createInProcessClient } from "../runtime-client.js";
import type { AuditRecord, AuditSink } from "./audit-record.js";
import { extensionTool } from "./extension-tool.js";
import { MAX_REPORTED_ERRORS, SCHEMA_CHECK_TIMEOUT_MS } from "./json-schema.js";
import { toAnthropicResult, toMcpResult, toOpenAIResult } from "./tool-result.js";

const SHA = "5e".repeat(32);
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const ctx = agentContext({ tenantId: "acme", agentId: "deal-coach", correlationId: "run-7" });

const definition = {
  id: "opportunity-risk",
  description: "Scores an opportunity's risk.",
  input_schema: {
    type: "object",
    required: ["accountId", "marginPct"],
    properties: { accountId: { type: "string" }, marginPct: { type: "number" } },
    additionalProperties: false,
  },
  output_schema: {
    type: "object",
    required: ["score"],
    properties: { score: { type: "integer", minimum: 0, maximum: 100 } },
  },
};

/** The fields of an answer that vary between these tests. */
interface AnswerFields {
  outcome: Outcome;
  outputJson?: Uint8Array;
  errorCode?: string;
  errorMsg?: string;
  errorReason?: string;
  errorDetailsJson?: Uint8Array;
}

const answer = (fields: AnswerFields) =>
  create(InvokeExtensionResponseSchema, {
    resolvedVersion: "3",
    moduleSha256: SHA,
    stats: { fuelUsed: 1234n, durationUs: 56n },
    ...fields,
  });
const okAnswer = (output: unknown) => answer({ outcome: Outcome.OK, outputJson: encode(output) });

/** A runtime double: answers from `respond`, keeps every request it received. */
function fakeRuntime(respond: (req: InvokeExtensionRequest) => InvokeExtensionResponse) {
  const requests: InvokeExtensionRequest[] = [];
  const client = createInProcessClient(
    {
      async invokeExtension(req) {
        requests.push(req);
        return respond(req);
      },
    },
    { retry: { attempts: 1 } },
  );
  return { client, requests };
}

function memorySink(): AuditSink & { records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return { records, write: (r) => void records.push(r) };
}

const NOW = new Date("2026-12-05T23:00:00.000Z");

describe("extensionTool(): descriptors", () => {
  const { client } = fakeRuntime(() => okAnswer({ score: 1 }));
  const tool = extensionTool(client, definition);

  it("describes the extension as an MCP Tool: name, description, inputSchema, outputSchema", () => {
    expect(tool.mcp).toEqual({
      name: "opportunity-risk",
      description: "Scores an opportunity's risk.",
      inputSchema: definition.input_schema,
      outputSchema: definition.output_schema,
    });
  });

  it("as an OpenAI function tool: type function, with name, description and parameters", () => {
    expect(tool.openai).toEqual({
      type: "function",
      function: {
        name: "opportunity-risk",
        description: "Scores an opportunity's risk.",
        parameters: definition.input_schema,
      },
    });
  });

  it("as an Anthropic tool: name, description, input_schema", () => {
    expect(tool.anthropic).toEqual({
      name: "opportunity-risk",
      description: "Scores an opportunity's risk.",
      input_schema: definition.input_schema,
    });
  });

  it("names the tool after a mapped extension id, or the name given, which must be a valid tool name", () => {
    expect(extensionTool(client, { ...definition, id: "crm.opportunity/risk" }).mcp.name).toBe(
      "crm_opportunity_risk",
    );
    expect(extensionTool(client, definition, { name: "score_risk" }).anthropic.name).toBe("score_risk");
    expect(() => extensionTool(client, definition, { name: "score risk!" })).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }),
    );
  });

  it("leaves MCP's outputSchema out when the output is not an object (MCP's structured content must be)", () => {
    const scalar = extensionTool(client, { ...definition, output_schema: { type: "number" } });
    expect(scalar.mcp).not.toHaveProperty("outputSchema");
  });

  it("refuses an invalid definition at creation, with invalid_argument", () => {
    expect(() => extensionTool(client, { ...definition, input_schema: { type: 7 } })).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_manifest" }),
    );
    expect(() => extensionTool(client, definition, { maxArgsBytes: 0 })).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }),
    );
    expect(() => extensionTool(client, definition, { timeoutMs: -5 })).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }),
    );
  });
});

describe("extensionTool(): invoke", () => {
  it("refuses arguments its input schema refuses, before any RPC, as an error tool result with ajv's errors", async () => {
    const { client, requests } = fakeRuntime(() => okAnswer({ score: 1 }));
    const audit = memorySink();
    const tool = extensionTool(client, definition, { audit });
    const result = await tool.invoke({ accountId: 42 }, ctx);
    expect(requests).toHaveLength(0);
    expect(result.isError).toBe(true);
    if (!result.isError) return;
    expect(result.error).toMatchObject({
      kind: "invalid_arguments",
      code: "invalid_argument",
      reason: "invalid_input",
    });
    const errors = (result.error.details as { errors: Array<{ keyword: string; instancePath: string }> })
      .errors;
    expect(errors.map((e) => [e.keyword, e.instancePath])).toEqual(
      expect.arrayContaining([
        ["required", ""],
        ["type", "/accountId"],
      ]),
    );
    expect(JSON.parse(result.text)).toMatchObject({ error: { code: "invalid_argument" } });
    expect(audit.records).toHaveLength(1);
    expect(audit.records[0]).toMatchObject({
      outcome: "invalid_arguments",
      input: { accountId: 42 },
      resolvedVersion: "",
      moduleSha256: "",
      error: { code: "invalid_argument", reason: "invalid_input" },
    });
    expect(Object.keys(audit.records[0]?.error ?? {}).sort()).toEqual([
      "code",
      "details",
      "message",
      "reason",
    ]);
  });

  it("stops a schema check that runs past SCHEMA_CHECK_TIMEOUT_MS (a tenant's backtracking pattern), coded, audited, with no RPC", async () => {
    const evil = { type: "string", pattern: "^(a+)+$" };
    const hostile = {
      ...definition,
      input_schema: { type: "object", properties: { s: evil } },
      output_schema: { type: "object", properties: { s: evil } },
    };
    const slow = `${"a".repeat(40)}!`;
    const { client, requests } = fakeRuntime(() => okAnswer({ s: slow }));
    const audit = memorySink();
    const tool = extensionTool(client, hostile, { audit });
    const started = performance.now();
    await expect(tool.invoke({ s: slow }, ctx)).rejects.toMatchObject({
      code: "resource_exhausted",
      reason: "timeout",
      details: { limit: SCHEMA_CHECK_TIMEOUT_MS },
    });
    expect(requests).toHaveLength(0);
    expect(audit.records.at(-1)).toMatchObject({ outcome: "technical_error", error: { reason: "timeout" } });
    await expect(tool.invoke({ s: "aaa" }, ctx)).rejects.toMatchObject({
      code: "resource_exhausted",
      reason: "timeout",
    });
    expect(requests).toHaveLength(1);
    expect(audit.records.at(-1)).toMatchObject({ outcome: "technical_error", error: { reason: "timeout" } });
    expect(performance.now() - started).toBeLessThan(SCHEMA_CHECK_TIMEOUT_MS * 10);
  });

  it("reports at most 20 of ajv's errors, however many items break the schema", async () => {
    const { client } = fakeRuntime(() => okAnswer({ score: 1 }));
    const lines = {
      ...definition,
      input_schema: { type: "object", properties: { lines: { type: "array", items: { type: "string" } } } },
    };
    const result = await extensionTool(client, lines).invoke(
      { lines: Array.from({ length: 500 }, (_, i) => i) },
      ctx,
    );
    expect(result).toMatchObject({ isError: true, error: { reason: "invalid_input" } });
    if (!result.isError) return;
    expect((result.error.details as { errors: unknown[] }).errors).toHaveLength(MAX_REPORTED_ERRORS);
  });

  it("caps the arguments' size before reading or validating them (a hostile agent), with no RPC", async () => {
    const { client, requests } = fakeRuntime(() => okAnswer({ score: 1 }));
    const audit = memorySink();
    const tool = extensionTool(client, definition, { audit, maxArgsBytes: 1024 });
    const huge = { accountId: "x".repeat(2048), marginPct: 1 };
    for (const args of [huge, JSON.stringify(huge)]) {
      const result = await tool.invoke(args, ctx);
      expect(result).toMatchObject({
        isError: true,
        error: { code: "invalid_argument", reason: "input_size", details: { limit: 1024 } },
      });
    }
    expect(requests).toHaveLength(0);
    expect(audit.records.map((r) => [r.outcome, r.input, r.inputBytes > 1024])).toEqual([
      ["invalid_arguments", undefined, true],
      ["invalid_arguments", undefined, true],
    ]);
  });

  it("refuses arguments nested deeper than 64 levels before parsing them (a hostile agent's stack bomb), with no RPC", async () => {
    const { client, requests } = fakeRuntime(() => okAnswer({ score: 1 }));
    const loose = { ...definition, input_schema: { type: "object" } };
    const audit = memorySink();
    const tool = extensionTool(client, loose, { audit });
    const nested = (depth: number) => `{"a":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
    expect(await tool.invoke(nested(64), ctx)).toMatchObject({ isError: false });
    for (const args of [nested(65), nested(100_000), `{"s":"${"[".repeat(100)}"}`]) {
      const result = await tool.invoke(args, ctx);
      if (args.startsWith('{"s"')) {
        expect(result.isError, "brackets inside a string are text").toBe(false);
        continue;
      }
      expect(result).toMatchObject({
        isError: true,
        error: { code: "invalid_argument", reason: "invalid_input", details: { limit: 64 } },
      });
    }
    expect(requests).toHaveLength(2);
    expect(audit.records.map((r) => r.outcome)).toEqual([
      "ok",
      "invalid_arguments",
      "invalid_arguments",
      "ok",
    ]);
  });

  it("reads OpenAI's arguments string as JSON, and refuses text that is not JSON, or a value JSON cannot carry", async () => {
    const { client, requests } = fakeRuntime(() => okAnswer({ score: 9 }));
    const tool = extensionTool(client, definition);
    expect(await tool.invoke('{"accountId":"A-1","marginPct":2}', ctx)).toMatchObject({
      isError: false,
      output: { score: 9 },
    });
    const cyclic: Record<string, unknown> = { accountId: "A-1", marginPct: 2 };
    cyclic.self = cyclic;
    for (const bad of ["{accountId:", cyclic, 10n]) {
      expect(await tool.invoke(bad, ctx)).toMatchObject({
        isError: true,
        error: { code: "invalid_argument", reason: "invalid_input" },
      });
    }
    expect(requests).toHaveLength(1);
    expect(new TextDecoder().decode(requests[0]?.inputJson)).toBe('{"accountId":"A-1","marginPct":2}');
  });

  it("sends the value it checked, not the model's text: a duplicate key or a number JSON cannot hold cannot slip past the schema", async () => {
    const { client, requests } = fakeRuntime(() => okAnswer({ score: 9 }));
    const audit = memorySink();
    const tool = extensionTool(client, definition, { audit });
    // A guest whose parser keeps the first of two keys would read "oops" where the schema checked 8.
    const twice = '{"marginPct":"oops","accountId":"A-1","marginPct":8}';
    expect(await tool.invoke(twice, ctx)).toMatchObject({ isError: false });
    expect(new TextDecoder().decode(requests[0]?.inputJson)).toBe('{"marginPct":8,"accountId":"A-1"}');
    expect(audit.records[0]?.input).toEqual({ marginPct: 8, accountId: "A-1" });
    // 1e400 parses as Infinity, which JSON sends as null: checked as what is sent, the schema refuses it.
    expect(await tool.invoke('{"accountId":"A-1","marginPct":1e400}', ctx)).toMatchObject({
      isError: true,
      error: { code: "invalid_argument", reason: "invalid_input" },
    });
    expect(requests).toHaveLength(1);
  });

  it("calls the extension with the agent's context and returns its output as the tool result", async () => {
    const { client, requests } = fakeRuntime(() => okAnswer({ score: 12 }));
    const tool = extensionTool(client, definition);
    const result = await tool.invoke({ accountId: "A-1", marginPct: 8 }, ctx);
    expect(result).toMatchObject({ isError: false, output: { score: 12 }, text: '{"score":12}' });
    expect(requests[0]?.extensionId).toBe("opportunity-risk");
    expect(requests[0]?.version).toBe("latest");
    expect(requests[0]?.ctx).toMatchObject({
      tenantId: "acme",
      userId: "deal-coach",
      actorType: "AGENT",
      correlationId: "run-7",
    });
  });

  it("returns the guest's business error as an error tool result the model can read, not a throw", async () => {
    const { client } = fakeRuntime(() =>
      answer({
        outcome: Outcome.BUSINESS_ERROR,
        errorCode: "ACCOUNT_NOT_FOUND",
        errorMsg: "no account A-9",
        errorDetailsJson: encode({ accountId: "A-9" }),
      }),
    );
    const audit = memorySink();
    const result = await extensionTool(client, definition, { audit }).invoke(
      { accountId: "A-9", marginPct: 8 },
      ctx,
    );
    expect(result).toMatchObject({
      isError: true,
      error: {
        kind: "business_error",
        code: "ACCOUNT_NOT_FOUND",
        message: "no account A-9",
        details: { accountId: "A-9" },
      },
    });
    expect(JSON.parse(result.text)).toEqual({
      error: { code: "ACCOUNT_NOT_FOUND", message: "no account A-9", details: { accountId: "A-9" } },
    });
    expect(audit.records[0]).toMatchObject({
      outcome: "business_error",
      resolvedVersion: "3",
      moduleSha256: SHA,
      error: { code: "ACCOUNT_NOT_FOUND" },
    });
  });

  it("throws a technical error as the ExtensionError it is, after auditing it with what the runtime said", async () => {
    const { client } = fakeRuntime(() =>
      answer({
        outcome: Outcome.TECHNICAL_ERROR,
        errorCode: "resource_exhausted",
        errorReason: "fuel",
        errorMsg: "out of fuel",
      }),
    );
    const audit = memorySink();
    const p = extensionTool(client, definition, { audit }).invoke({ accountId: "A-1", marginPct: 8 }, ctx);
    await expect(p).rejects.toMatchObject({
      name: "ExtensionError",
      code: "resource_exhausted",
      reason: "fuel",
    });
    expect(audit.records[0]).toMatchObject({
      outcome: "technical_error",
      resolvedVersion: "3",
      moduleSha256: SHA,
      fuelUsed: 1234,
      error: { code: "resource_exhausted", reason: "fuel" },
    });
  });

  it("throws internal/invalid_output when the output breaks the output schema, and audits the output", async () => {
    const { client } = fakeRuntime(() => okAnswer({ score: 101 }));
    const audit = memorySink();
    const tool = extensionTool(client, definition, { audit });
    await expect(tool.invoke({ accountId: "A-1", marginPct: 8 }, ctx)).rejects.toMatchObject({
      code: "internal",
      reason: "invalid_output",
      details: { errors: [expect.objectContaining({ keyword: "maximum", instancePath: "/score" })] },
    });
    expect(audit.records[0]).toMatchObject({ outcome: "technical_error", output: { score: 101 } });
    const lax = extensionTool(client, definition, { validateOutput: false });
    expect(await lax.invoke({ accountId: "A-1", marginPct: 8 }, ctx)).toMatchObject({
      isError: false,
      output: { score: 101 },
    });
  });

  it("refuses a context that is not an agent's (build it with agentContext), with no RPC", async () => {
    const { client, requests } = fakeRuntime(() => okAnswer({ score: 1 }));
    const audit = memorySink();
    const tool = extensionTool(client, definition, { audit });
    await expect(
      tool.invoke({ accountId: "A-1", marginPct: 8 }, userContext({ tenantId: "acme", userId: "u-1" })),
    ).rejects.toMatchObject({ code: "invalid_argument", reason: "invalid_input" });
    expect(requests).toHaveLength(0);
    expect(audit.records[0]).toMatchObject({
      outcome: "technical_error",
      error: { code: "invalid_argument" },
    });
  });
});

describe("extensionTool(): audit", () => {
  it("records what a replay needs: extension, versions, sha256, ctx, input, output, fuel, duration, ids, time", async () => {
    const { client } = fakeRuntime(() => okAnswer({ score: 12 }));
    const audit = memorySink();
    const tool = extensionTool(client, definition, { audit, now: () => NOW });
    await tool.invoke({ accountId: "A-1", marginPct: 8 }, ctx, { toolCallId: "toolu_01" });
    const record = audit.records[0] as AuditRecord;
    expect(record).toEqual({
      timestamp: "2026-12-05T23:00:00.000Z",
      tool: "opportunity-risk",
      extensionId: "opportunity-risk",
      requestedVersion: "latest",
      resolvedVersion: "3",
      moduleSha256: SHA,
      ctx,
      correlationId: "run-7",
      toolCallId: "toolu_01",
      input: { accountId: "A-1", marginPct: 8 },
      inputBytes: 33,
      outcome: "ok",
      output: { score: 12 },
      logs: [],
      fuelUsed: 1234,
      durationUs: 56,
      elapsedMs: expect.any(Number),
    });
    expect(JSON.parse(JSON.stringify(record))).toEqual({ ...record, elapsedMs: record.elapsedMs });
  });

  it("gives a call without a correlation id a fresh one, sent with the call and recorded", async () => {
    const { client, requests } = fakeRuntime(() => okAnswer({ score: 1 }));
    const audit = memorySink();
    const tool = extensionTool(client, definition, { audit });
    await tool.invoke({ accountId: "A-1", marginPct: 8 }, agentContext({ tenantId: "acme", agentId: "a" }));
    const id = audit.records[0]?.correlationId as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requests[0]?.ctx?.correlationId).toBe(id);
    expect(audit.records[0]?.ctx.correlationId).toBe(id);
  });

  it("never loses the tool's answer when the sink fails: the failure goes to onAuditError", async () => {
    const { client } = fakeRuntime(() => okAnswer({ score: 5 }));
    const failures: Array<[unknown, AuditRecord]> = [];
    const tool = extensionTool(client, definition, {
      audit: {
        write: () => {
          throw new Error("disk full");
        },
      },
      onAuditError: (error, record) => failures.push([error, record]),
    });
    expect(await tool.invoke({ accountId: "A-1", marginPct: 8 }, ctx)).toMatchObject({
      isError: false,
      output: { score: 5 },
    });
    const rejecting = extensionTool(client, definition, {
      audit: { write: () => Promise.reject(new Error("bucket gone")) },
      onAuditError: (error, record) => failures.push([error, record]),
    });
    expect(await rejecting.invoke({ accountId: 1 }, ctx)).toMatchObject({ isError: true });
    expect(failures.map(([e, r]) => [(e as Error).message, r.outcome])).toEqual([
      ["disk full", "ok"],
      ["bucket gone", "invalid_arguments"],
    ]);
  });
});

describe("tool results in each agent format", () => {
  const { client } = fakeRuntime((req) =>
    new TextDecoder().decode(req.inputJson).includes("A-9")
      ? answer({ outcome: Outcome.BUSINESS_ERROR, errorCode: "ACCOUNT_NOT_FOUND", errorMsg: "no A-9" })
      : okAnswer({ score: 12 }),
  );
  const tool = extensionTool(client, definition);

  it("MCP: text content, structuredContent for an object output, isError for an error", async () => {
    const ok = await tool.invoke({ accountId: "A-1", marginPct: 8 }, ctx);
    expect(toMcpResult(ok)).toEqual({
      content: [{ type: "text", text: '{"score":12}' }],
      structuredContent: { score: 12 },
      isError: false,
    });
    const refused = await tool.invoke({ accountId: "A-9", marginPct: 8 }, ctx);
    expect(toMcpResult(refused)).toEqual({
      content: [{ type: "text", text: '{"error":{"code":"ACCOUNT_NOT_FOUND","message":"no A-9"}}' }],
      isError: true,
    });
  });

  it("Anthropic: a tool_result block for the tool_use id, is_error on an error", async () => {
    const refused = await tool.invoke({ accountId: "A-9", marginPct: 8 }, ctx);
    expect(toAnthropicResult(refused, "toolu_01")).toEqual({
      type: "tool_result",
      tool_use_id: "toolu_01",
      content: '{"error":{"code":"ACCOUNT_NOT_FOUND","message":"no A-9"}}',
      is_error: true,
    });
  });

  it("OpenAI: a tool message for the tool call id", async () => {
    const ok = await tool.invoke({ accountId: "A-1", marginPct: 8 }, ctx);
    expect(toOpenAIResult(ok, "call_1")).toEqual({
      role: "tool",
      tool_call_id: "call_1",
      content: '{"score":12}',
    });
  });
});
