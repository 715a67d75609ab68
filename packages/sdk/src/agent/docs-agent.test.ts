// docs/sdk/agent.md's opening example, run as a user's module against a real runtime service.
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
import { runDocsExample } from "../testing/docs-example.js";
import type { AuditRecord } from "./audit-record.js";
import type { McpCallToolResult } from "./tool-result.js";

describe("docs/sdk/agent.md", () => {
  let dir: string;
  let server: RuntimeServer;
  let hook: TestHook;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-sdk-docs-agent-"));
    const issuer = await createLocalTokenIssuer({ dir });
    hook = await buildTestHook("domain-hook-template");
    const ref = await writeModule(dir, "order-validation", hook);
    const runtime = await createRuntime({
      catalog: createCatalog({
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "order-validation",
            version: "1",
            kind: "agent_tool",
            risk_tier: "low",
            wasm_blob_ref: ref,
          },
        ],
        runtime: { pool: { size: 1 }, auth: issuer.auth },
      }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    await runtime.preload();
    server = await startRuntimeServer(runtime, { port: 0 });
    process.env.AMEIDE_RUNTIME_URL = server.url as string;
    process.env.AMEIDE_RUNTIME_TOKEN = await issuer.mint({ subject: "quote-assistant", tenants: ["acme"] });
    process.env.AMEIDE_AUDIT_FILE = join(dir, "audit", "agent-tools.jsonl");
  }, 120_000);

  afterAll(async () => {
    await server?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it("quote-assistant: the MCP descriptor, an answer, refused arguments, and both calls audited", async () => {
    const { descriptor, checked, refused, auditFile } = (await runDocsExample(
      "agent",
      "quote-assistant",
    )) as {
      descriptor: { name: string; inputSchema: { type: string } };
      checked: McpCallToolResult;
      refused: McpCallToolResult;
      auditFile: string;
    };
    expect(descriptor).toMatchObject({ name: "order-validation", inputSchema: { type: "object" } });
    expect(checked.isError).toBe(false);
    expect(checked.structuredContent).toMatchObject({ ok: true, derivedFields: { netTotal: 237.5 } });
    expect(refused.isError).toBe(true);
    expect(JSON.parse(refused.content[0]?.text ?? "")).toMatchObject({
      error: { code: "invalid_argument", details: { errors: [{ keyword: "required" }] } },
    });
    const records = (await readFile(auditFile, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(records.map((r) => [r.toolCallId, r.outcome, r.moduleSha256])).toEqual([
      ["call-1", "ok", hook.sha256],
      ["call-2", "invalid_arguments", ""],
    ]);
  });
});
