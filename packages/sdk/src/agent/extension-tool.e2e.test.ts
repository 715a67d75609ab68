// Agent tools end to end: the AssemblyScript echo guest in a real runtime service (startRuntimeServer), called
// over Connect by an extensionTool, its audit records written to a JSONL file and replayed from it.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createCatalog,
  createLocalTokenIssuer,
  createRuntime,
  type RuntimeServer,
  startRuntimeServer,
} from "@ameide-ext/runtime";
import {
  buildTestHook,
  captureLogger,
  type TestHook,
  writeModule,
} from "@ameide-ext/runtime/testing/service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentContext } from "../execution-context.js";
import { createRuntimeClient, type RuntimeClient } from "../runtime-client.js";
import type { AuditRecord } from "./audit-record.js";
import { extensionTool } from "./extension-tool.js";
import { createJsonlAuditSink } from "./jsonl-audit-sink.js";
import { replayAuditRecord } from "./replay-audit-record.js";
import { toMcpResult } from "./tool-result.js";

/** The echo guest's manifest essentials: it answers `{ echo: input, version }`, or REFUSED for mode "fail". */
const echoTool = {
  id: "echo",
  description: "Echoes its arguments back, with the version that ran.",
  input_schema: {
    type: "object",
    properties: { mode: { enum: ["echo", "fail"] }, n: { type: "integer" } },
    additionalProperties: false,
  },
  output_schema: {
    type: "object",
    required: ["echo", "version"],
    properties: { echo: { type: "object" }, version: { type: "string" } },
  },
};

const ctx = agentContext({ tenantId: "acme", agentId: "deal-coach", correlationId: "run-42" });

describe("agent tools through a runtime service", () => {
  let dir: string;
  let server: RuntimeServer;
  let client: RuntimeClient;
  let hook: TestHook;
  let rpcs = 0;
  let counted: RuntimeClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-sdk-agent-"));
    const issuer = await createLocalTokenIssuer({ dir });
    hook = await buildTestHook("echo", "1");
    const ref = await writeModule(dir, "echo", hook);
    const runtime = await createRuntime({
      catalog: createCatalog({
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "echo",
            version: "1",
            kind: "agent_tool",
            risk_tier: "low",
            wasm_blob_ref: ref,
          },
        ],
        runtime: { preload: false, pool: { size: 1 }, auth: issuer.auth },
      }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    server = await startRuntimeServer(runtime, { port: 0 });
    client = createRuntimeClient({
      baseUrl: server.url as string,
      token: () => issuer.mint({ subject: "deal-coach-agent", tenants: ["acme"] }),
      retry: { initialDelayMs: 1, maxDelayMs: 2 },
    });
    // The real client, counting the calls that reach it.
    counted = {
      invoke: (options) => {
        rpcs++;
        return client.invoke(options);
      },
      close: () => client.close(),
      invokeMany: () => Promise.reject(new Error("invokeMany is not used by this test")),
      chattyWarnings: 0,
    };
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await server?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it("answers, refuses, and audits every call in a JSONL file that names the module that ran", async () => {
    const path = join(dir, "audit", "tools.jsonl");
    const audit = createJsonlAuditSink(path);
    const tool = extensionTool(counted, echoTool, { audit });

    const ok = await tool.invoke({ n: 7 }, ctx, { toolCallId: "toolu_1" });
    expect(ok).toMatchObject({ isError: false, output: { echo: { n: 7 }, version: "1" } });
    expect(toMcpResult(ok).structuredContent).toEqual({ echo: { n: 7 }, version: "1" });

    const refused = await tool.invoke({ mode: "fail" }, ctx, { toolCallId: "toolu_2" });
    expect(refused).toMatchObject({ isError: true, error: { kind: "business_error", code: "REFUSED" } });

    const before = rpcs;
    const invalid = await tool.invoke({ mode: "loop" }, ctx, { toolCallId: "toolu_3" });
    expect(invalid).toMatchObject({
      isError: true,
      error: { code: "invalid_argument", reason: "invalid_input" },
    });
    expect(rpcs).toBe(before);

    const missing = extensionTool(counted, { ...echoTool, id: "no-such-tool" }, { audit });
    await expect(missing.invoke({}, ctx)).rejects.toMatchObject({
      name: "ExtensionError",
      code: "not_found",
    });
    await audit.close();

    const records = (await readFile(path, "utf8"))
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as AuditRecord);
    expect(records.map((r) => [r.toolCallId, r.outcome, r.resolvedVersion, r.moduleSha256])).toEqual([
      ["toolu_1", "ok", "1", hook.sha256],
      ["toolu_2", "business_error", "1", hook.sha256],
      ["toolu_3", "invalid_arguments", "", ""],
      [undefined, "technical_error", "", ""],
    ]);
    expect(records[0]).toMatchObject({
      extensionId: "echo",
      requestedVersion: "latest",
      ctx: { tenantId: "acme", userId: "deal-coach", actorType: "AGENT", correlationId: "run-42" },
      correlationId: "run-42",
      input: { n: 7 },
      output: { echo: { n: 7 }, version: "1" },
    });
    expect(records[0]?.fuelUsed).toBeGreaterThan(0);
    expect(records[3]?.error).toMatchObject({ code: "not_found" });
  });

  it("replays a call from its audit record: same module, same output, same fuel", async () => {
    const records: AuditRecord[] = [];
    const tool = extensionTool(client, echoTool, { audit: { write: (r) => void records.push(r) } });
    await tool.invoke({ n: 11 }, ctx);
    const [original] = records as [AuditRecord];
    const replay = await client.invoke({
      extensionId: original.extensionId,
      version: original.resolvedVersion,
      ctx: original.ctx,
      input: original.input,
    });
    expect(replay).toMatchObject({
      outcome: "ok",
      output: original.output,
      resolvedVersion: original.resolvedVersion,
      moduleSha256: original.moduleSha256,
      stats: { fuelUsed: original.fuelUsed },
    });
    expect(await replayAuditRecord(client, original)).toMatchObject({
      same: true,
      differences: [],
      moduleSha256: hook.sha256,
    });
    expect(
      await replayAuditRecord(client, { ...original, output: { echo: { n: 12 }, version: "1" } }),
    ).toMatchObject({ same: false, differences: [{ field: "output" }] });
  });
});
