// The domain extension points end to end: the AssemblyScript domain_hook template, built with the PDK,
// in a real runtime service (startRuntimeServer), called over Connect by the SDK's client.
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
import { buildTestHook, captureLogger, writeModule } from "@ameide-ext/runtime/testing/service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userContext } from "../execution-context.js";
import { createRuntimeClient, type RuntimeClient } from "../runtime-client.js";
import { createInMemoryConfigStore } from "./domain-config-store.js";
import { createDomainExtensions, DomainVetoError } from "./domain-extensions.js";
import { defineExtensionPoints } from "./extension-points.js";

const TEMPLATE_TESTS = join(import.meta.dirname, "../../../../templates/assemblyscript/domain_hook/tests");
const fixture = async (name: string) =>
  JSON.parse(await readFile(join(TEMPLATE_TESTS, `${name}.json`), "utf8")) as {
    input: Record<string, unknown>;
    expected: { derivedFields: Record<string, unknown>; validationMessages: Array<{ code: string }> };
  };

const points = defineExtensionPoints({ BeforeCreateOrder: { kind: "before", deadlineMs: 2_000 } });
const ctx = userContext({ tenantId: "acme", userId: "u-1", correlationId: "order-SO-1001" });

describe("domain extension points through a runtime service", () => {
  let dir: string;
  let server: RuntimeServer;
  let client: RuntimeClient;
  const configs = createInMemoryConfigStore();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-sdk-domain-"));
    const issuer = await createLocalTokenIssuer({ dir });
    const ref = await writeModule(dir, "order-guard", await buildTestHook("domain-hook-template"));
    const entry = {
      tenant_id: "acme",
      version: "1",
      kind: "domain_hook",
      risk_tier: "low",
      wasm_blob_ref: ref,
    } as const;
    const runtime = await createRuntime({
      catalog: createCatalog({
        extensions: [{ ...entry, extension_id: "order-guard" }],
        runtime: { preload: false, pool: { size: 1 }, auth: issuer.auth },
      }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    server = await startRuntimeServer(runtime, { port: 0 });
    const token = () => issuer.mint({ subject: "orders-domain", tenants: ["acme"] });
    client = createRuntimeClient({
      baseUrl: server.url as string,
      token,
      retry: { initialDelayMs: 1, maxDelayMs: 2 },
    });
    configs.set("acme", "orders", "BeforeCreateOrder", { extensionId: "order-guard" });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await server?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it("merges the template's derived fields into a valid order before it is created", async () => {
    const { input, expected } = await fixture("valid-order");
    const ext = createDomainExtensions({ client, domain: "orders", configs });
    const r = await ext.around(points.BeforeCreateOrder, ctx, input, async (order) => ({ stored: order }));
    expect(r.result.stored).toEqual({ ...input, ...expected.derivedFields });
    expect(r.messages).toEqual([]);
  });

  it("refuses an order the template vetoes, with its coded messages, and never creates it", async () => {
    const { input, expected } = await fixture("discount-over-maximum");
    const ext = createDomainExtensions({ client, domain: "orders", configs });
    let created = false;
    const p = ext.around(points.BeforeCreateOrder, ctx, input, async () => {
      created = true;
      return {};
    });
    await expect(p).rejects.toBeInstanceOf(DomainVetoError);
    await expect(p).rejects.toMatchObject({ details: { validationMessages: expected.validationMessages } });
    expect(created).toBe(false);
  });

  it("fail_closed: a binding the runtime does not know refuses the command with not_found", async () => {
    const missing = createInMemoryConfigStore();
    missing.set("acme", "orders", "BeforeCreateOrder", { extensionId: "no-such-guard" });
    const ext = createDomainExtensions({ client, domain: "orders", configs: missing });
    await expect(ext.around(points.BeforeCreateOrder, ctx, {}, async () => ({}))).rejects.toMatchObject({
      code: "not_found",
      details: { point: "BeforeCreateOrder", extensionId: "no-such-guard", failure: "fail_closed" },
    });
  });
});
