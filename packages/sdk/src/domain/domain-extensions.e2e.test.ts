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
    const echoRef = await writeModule(dir, "echo", await buildTestHook("echo"));
    const entry = {
      tenant_id: "acme",
      version: "1",
      kind: "domain_hook",
      risk_tier: "low",
      wasm_blob_ref: ref,
    } as const;
    const runtime = await createRuntime({
      catalog: createCatalog({
        extensions: [
          { ...entry, extension_id: "order-guard" },
          { ...entry, extension_id: "trapping-guard", wasm_blob_ref: echoRef },
        ],
        runtime: {
          preload: false,
          pool: { size: 1 },
          auth: issuer.auth,
          circuit_breaker: { failure_threshold: 2, cool_down_ms: 600_000 },
        },
      }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    // Compiled before the first call, so a deadline never covers the compile on a busy machine.
    await runtime.preload();
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

  it("fail_closed and fail_open with the breaker open: refused coded, or let through and heard", async () => {
    const trapping = createInMemoryConfigStore();
    trapping.set("acme", "orders", "BeforeCreateOrder", { extensionId: "trapping-guard" });
    const closed = createDomainExtensions({ client, domain: "orders", configs: trapping });
    const trap = { mode: "trap" };
    for (let i = 0; i < 2; i++)
      await expect(
        closed.around(points.BeforeCreateOrder, ctx, trap, async () => ({})),
      ).rejects.toMatchObject({
        code: "resource_exhausted",
        reason: "trap",
      });
    await expect(closed.around(points.BeforeCreateOrder, ctx, trap, async () => ({}))).rejects.toMatchObject({
      code: "unavailable",
      reason: "circuit_open",
      details: { point: "BeforeCreateOrder", extensionId: "trapping-guard", failure: "fail_closed" },
    });
    const heard: string[] = [];
    const open = createDomainExtensions({
      client,
      domain: "orders",
      configs: trapping,
      onFailOpen: (e) => heard.push(`${e.error.code}/${e.error.reason}`),
    });
    const lenient = defineExtensionPoints({ BeforeCreateOrder: { kind: "before", failure: "fail_open" } });
    const r = await open.around(lenient.BeforeCreateOrder, ctx, trap, async () => ({ created: true }));
    expect(r.result).toEqual({ created: true });
    expect(heard).toEqual(["unavailable/circuit_open"]);
    expect(open.failedOpen).toBe(1);
  });

  it("fail_closed and fail_open with the runtime down: refused as unavailable, or let through and heard", async () => {
    const down = createRuntimeClient({ baseUrl: "http://127.0.0.1:9", retry: { attempts: 1 } });
    const heard: string[] = [];
    const ext = createDomainExtensions({
      client: down,
      domain: "orders",
      configs,
      onFailOpen: (e) => heard.push(e.error.code),
    });
    await expect(ext.around(points.BeforeCreateOrder, ctx, {}, async () => ({}))).rejects.toMatchObject({
      code: "unavailable",
      details: { point: "BeforeCreateOrder", extensionId: "order-guard", failure: "fail_closed" },
    });
    const lenient = defineExtensionPoints({ BeforeCreateOrder: { kind: "before", failure: "fail_open" } });
    const r = await ext.around(lenient.BeforeCreateOrder, ctx, { a: 1 }, async (c) => ({ stored: c }));
    expect(r.result).toEqual({ stored: { a: 1 } });
    expect(heard).toEqual(["unavailable"]);
    down.close();
  });
});
