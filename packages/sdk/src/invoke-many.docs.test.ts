// docs/sdk/batch.md opens with a runnable example: it runs here, as a user's module, against a real
// runtime service started by this test, with the price-line rule the example calls.
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
import { runDocsExample } from "./testing/docs-example.js";

describe("docs/sdk/batch.md", () => {
  let dir: string;
  let server: RuntimeServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-sdk-batch-docs-"));
    const issuer = await createLocalTokenIssuer({ dir });
    const runtime = await createRuntime({
      catalog: createCatalog({
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "price-line",
            version: "3",
            kind: "process_hook",
            risk_tier: "low",
            wasm_blob_ref: await writeModule(dir, "price-line", await buildTestHook("price-line")),
          },
        ],
        runtime: { preload: false, pool: { size: 1 }, auth: issuer.auth },
      }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    server = await startRuntimeServer(runtime, { port: 0 });
    process.env.AMEIDE_RUNTIME_URL = server.url;
    process.env.AMEIDE_RUNTIME_TOKEN = await issuer.mint({ subject: "sales-domain", tenants: ["acme"] });
  }, 120_000);

  afterAll(async () => {
    delete process.env.AMEIDE_RUNTIME_URL;
    delete process.env.AMEIDE_RUNTIME_TOKEN;
    await server?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it("price-invoice: prices each line in one batch, the refused line on its own", async () => {
    const { version, priced } = await runDocsExample("batch", "price-invoice");
    expect(version).toBe("3");
    expect(priced).toEqual([{ lineId: "L-1", net: 238.8 }, "BAD_QTY", { lineId: "L-3", net: 360 }]);
  });
});
