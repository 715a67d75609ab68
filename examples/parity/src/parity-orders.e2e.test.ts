// The parity hooks end to end: the Orders domain over Connect (HTTP) with its SQLite store, and a real runtime
// service running the hooks built by the toolkit. acme binds the SAP pricing BAdI at BeforeCreateOrder and the
// Dynamics CoC after-hook at AfterCreateOrder; contoso binds the CoC validateWrite at BeforeCreateOrder; globex
// binds the TypeScript twin of the pricing BAdI.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ERROR_DETAILS_HEADER } from "@ameide-ext/contract";
import {
  createSqliteOrderStore,
  OrderService,
  type OrdersServer,
  startOrdersServer,
} from "@ameide-ext/example-orders-domain";
import {
  createCatalog,
  createLocalTokenIssuer,
  createRuntime,
  type RuntimeServer,
  startRuntimeServer,
} from "@ameide-ext/runtime";
import { captureLogger, writeModule } from "@ameide-ext/runtime/testing/service";
import {
  createInMemoryConfigStore,
  createRuntimeClient,
  type RuntimeClient,
  userContext,
} from "@ameide-ext/sdk";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BuiltParityHook, buildParityHook, type ParityHookId } from "./parity-hooks.js";

/** Which tenant binds which parity hook at which point. */
const BINDINGS: ReadonlyArray<{ tenant: string; point: string; id: ParityHookId }> = [
  { tenant: "acme", point: "BeforeCreateOrder", id: "pricing-badi" },
  { tenant: "acme", point: "AfterCreateOrder", id: "coc-validate-after" },
  { tenant: "contoso", point: "BeforeCreateOrder", id: "coc-validate-before" },
  { tenant: "contoso", point: "AfterCreateOrder", id: "coc-validate-after" },
  { tenant: "globex", point: "BeforeCreateOrder", id: "pricing-badi-ts" },
];

const widgets = { sku: "WIDGET-10", quantity: 60, unitPrice: 200, discountPct: 12 };
const bolts = { sku: "BOLT-5", quantity: 4, unitPrice: 2.5, discountPct: 0 };

/** The validation messages a refusal carries in its details header. */
function vetoCodes(err: unknown): string[] {
  const e = ConnectError.from(err);
  expect(e.code).toBe(Code.FailedPrecondition);
  const details = JSON.parse(e.metadata.get(ERROR_DETAILS_HEADER) ?? "{}");
  return details.validationMessages.map((m: { code: string }) => m.code);
}

/**
 * One call to each bound hook before the orders: a module's first call in a fresh runtime builds its instance
 * (for a TypeScript hook, QuickJS: 8-16 ms alone, far more on a loaded test machine), which would eat the 50 ms
 * of AfterCreateOrder's deadline; a service in production is warm.
 */
async function warmUp(runtime: RuntimeClient) {
  for (const { tenant, id } of BINDINGS) {
    const ctx = userContext({ tenantId: tenant, userId: "warm-up", correlationId: `warm-up/${id}` });
    await runtime.invoke({
      extensionId: id,
      ctx,
      input: { command: {}, result: {}, lines: [] },
      timeoutMs: 5_000,
    });
  }
}

describe("the parity hooks at the Orders domain's extension points, in a real runtime service", () => {
  let dir: string;
  let runtimeServer: RuntimeServer;
  let runtime: RuntimeClient;
  let orders: OrdersServer;
  let client: Client<typeof OrderService>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-parity-"));
    const issuer = await createLocalTokenIssuer({ dir });
    const extensions = [];
    const built = new Map<ParityHookId, BuiltParityHook>();
    for (const { tenant, id } of BINDINGS) {
      if (!built.has(id)) built.set(id, await buildParityHook(id));
      const ref = await writeModule(dir, id, built.get(id) as BuiltParityHook, tenant);
      extensions.push({
        tenant_id: tenant,
        extension_id: id,
        version: "1",
        kind: "domain_hook" as const,
        risk_tier: "low" as const,
        wasm_blob_ref: ref,
      });
    }
    const rt = await createRuntime({
      catalog: createCatalog({ extensions, runtime: { pool: { size: 1 }, auth: issuer.auth } }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    await rt.preload();
    runtimeServer = await startRuntimeServer(rt, { port: 0 });
    runtime = createRuntimeClient({
      baseUrl: runtimeServer.url as string,
      token: () => issuer.mint({ subject: "orders-domain", tenants: ["acme", "contoso", "globex"] }),
    });
    await warmUp(runtime);
    const configs = createInMemoryConfigStore();
    for (const { tenant, point, id } of BINDINGS) configs.set(tenant, "orders", point, { extensionId: id });
    orders = await startOrdersServer({
      store: createSqliteOrderStore(join(dir, "orders.db")),
      runtime,
      configs,
      port: 0,
    });
    client = createClient(OrderService, createConnectTransport({ baseUrl: orders.url, httpVersion: "1.1" }));
  }, 300_000);

  afterAll(async () => {
    await orders?.close();
    runtime?.close();
    await runtimeServer?.shutdown(1_000);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("pricing BAdI: a line without a price refuses the order with PRICE_MISSING, nothing stored", async () => {
    const err = await client
      .createOrder({
        tenantId: "acme",
        userId: "u-7",
        orderRef: "SO-1",
        customerId: "C-77",
        currency: "EUR",
        lines: [bolts, { sku: "SPARE-KIT", quantity: 1, unitPrice: 0, discountPct: 0 }],
      })
      .catch((e: unknown) => e);
    expect(vetoCodes(err)).toEqual(["PRICE_MISSING"]);
    await expect(client.getOrder({ tenantId: "acme", id: "ord-1" })).rejects.toMatchObject({
      code: Code.NotFound,
    });
  });

  it("pricing BAdI + CoC after: stored with pricedLines and netTotal, the answer has riskFlag and followUpTask", async () => {
    const res = await client.createOrder({
      tenantId: "acme",
      userId: "u-7",
      orderRef: "SO-1",
      customerId: "C-77",
      currency: "EUR",
      lines: [widgets, bolts],
    });
    const pricing = {
      pricedLines: [
        {
          sku: "WIDGET-10",
          quantity: 60,
          listPrice: 200,
          tierPct: 10,
          discountPct: 12,
          netPrice: 176,
          netAmount: 10560,
        },
        {
          sku: "BOLT-5",
          quantity: 4,
          listPrice: 2.5,
          tierPct: 0,
          discountPct: 0,
          netPrice: 2.5,
          netAmount: 10,
        },
      ],
      netTotal: 10570,
    };
    expect(JSON.parse(res.order?.derivedFieldsJson ?? "")).toEqual(pricing);
    expect(JSON.parse(res.afterFieldsJson)).toEqual({
      riskFlag: "high",
      riskReasons: ["netTotal>=10000"],
      followUpTask: { subject: "Confirm order SO-1 with customer C-77", owner: "user:u-7", dueInDays: 1 },
    });
    expect(res.messages.map((m) => [m.severity, m.code])).toEqual([["warning", "RISK_HIGH"]]);
    // The BAdI's fields are stored with the order; the after hook's are the answer's only.
    const got = await client.getOrder({ tenantId: "acme", id: res.order?.id ?? "" });
    expect(JSON.parse(got.order?.derivedFieldsJson ?? "")).toEqual(pricing);
  });

  it("CoC validateWrite: an order without a customer in a currency not sold is refused with both messages", async () => {
    const err = await client
      .createOrder({ tenantId: "contoso", orderRef: "SO-7", currency: "JPY", lines: [bolts] })
      .catch((e: unknown) => e);
    expect(vetoCodes(err)).toEqual(["CUSTOMER_MISSING", "CURRENCY_NOT_ALLOWED"]);
  });

  it("CoC validateWrite then next() then the after hook: stored as asked, the after fields in the answer", async () => {
    const res = await client.createOrder({
      tenantId: "contoso",
      userId: "u-3",
      orderRef: "SO-8",
      customerId: "C-5",
      currency: "CHF",
      lines: [bolts],
    });
    expect(res.order?.derivedFieldsJson).toBe("{}");
    expect(JSON.parse(res.afterFieldsJson)).toMatchObject({
      riskFlag: "normal",
      followUpTask: { dueInDays: 5 },
    });
    expect(res.messages).toEqual([]);
  });

  it("the TypeScript twin of the pricing BAdI prices as the AssemblyScript one does", async () => {
    const order = {
      userId: "u-1",
      orderRef: "SO-1",
      customerId: "C-1",
      currency: "EUR",
      lines: [widgets, bolts],
    };
    const ts = await client.createOrder({ tenantId: "globex", ...order });
    const as = await client.getOrder({ tenantId: "acme", id: "ord-1" });
    expect(JSON.parse(ts.order?.derivedFieldsJson ?? "")).toEqual(
      JSON.parse(as.order?.derivedFieldsJson ?? ""),
    );
    expect(ts.afterFieldsJson).toBe("{}"); // no AfterCreateOrder binding: the domain's own answer, no runtime call
    const refused = await client
      .createOrder({ tenantId: "globex", ...order, orderRef: "SO-2", lines: [{ ...bolts, unitPrice: 0 }] })
      .catch((e: unknown) => e);
    expect(vetoCodes(refused)).toEqual(["PRICE_MISSING"]);
  });
});
