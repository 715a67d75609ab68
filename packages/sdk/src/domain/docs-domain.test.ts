// docs/sdk/domain.md's opening example, run as a user's module against a real runtime service.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createCatalog,
  createLocalTokenIssuer,
  createRuntime,
  type RuntimeServer,
  startRuntimeServer,
} from "@ameide-ext/runtime";
import { buildTestHook, captureLogger, writeModule } from "@ameide-ext/runtime/testing/service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDocsExample } from "../testing/docs-example.js";

describe("docs/sdk/domain.md", () => {
  let dir: string;
  let server: RuntimeServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-sdk-docs-domain-"));
    const issuer = await createLocalTokenIssuer({ dir });
    const ref = await writeModule(dir, "order-guard", await buildTestHook("domain-hook-template"));
    const runtime = await createRuntime({
      catalog: createCatalog({
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "order-guard",
            version: "1",
            kind: "domain_hook",
            risk_tier: "low",
            wasm_blob_ref: ref,
          },
        ],
        runtime: { pool: { size: 1 }, auth: issuer.auth },
      }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    await runtime.preload(); // compiled before the example's 150 ms deadline starts counting
    server = await startRuntimeServer(runtime, { port: 0 });
    process.env.AMEIDE_RUNTIME_URL = server.url as string;
    process.env.AMEIDE_RUNTIME_TOKEN = await issuer.mint({ subject: "orders-domain", tenants: ["acme"] });
  }, 120_000);

  afterAll(async () => {
    await server?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it("create-order: derived fields merged into a valid order, an over-discounted one vetoed", async () => {
    const { created, vetoed } = (await runDocsExample("domain", "create-order")) as {
      created: { result: Record<string, unknown>; messages: unknown[] };
      vetoed: Array<{ code: string }> | undefined;
    };
    expect(created.result).toMatchObject({ id: "ord-1", orderId: "SO-1001", netTotal: 237.5, lineCount: 1 });
    expect(created.messages).toEqual([]);
    expect(vetoed?.map((m) => m.code)).toEqual(["DISCOUNT_TOO_HIGH"]);
  });
});
