// The Orders store in a real PostgreSQL (a throwaway server, as the registry's PostgreSQL suites start it):
// what it stores, the duplicate-order_ref refusal, per-tenant ids under concurrent creates, and the
// orders-domain service on PostgreSQL with its bindings in the same database.
import { createSqlConfigStore } from "@ameide-ext/sdk/sql";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderService } from "./gen/ameide/examples/orders/v1/orders_pb.js";
import type { OrderStore, StoredOrder } from "./order-store.js";
import { createPostgresOrderStore } from "./postgres-order-store.js";
import { startOrdersService } from "./start-orders-service.js";
import { startTestPostgres, type TestPostgres } from "./testing/test-postgres.js";

const order = (tenantId: string, orderRef: string): Omit<StoredOrder, "id"> => ({
  tenantId,
  orderRef,
  customerId: "C-1",
  currency: "EUR",
  lines: [{ sku: "BOLT-5", quantity: 10, unitPrice: 25, discountPct: 5 }],
  derivedFields: { netTotal: 237.5 },
  createdBy: "user:u-7",
});

describe("createPostgresOrderStore()", () => {
  let server: TestPostgres;
  let url: string;
  let store: OrderStore;

  beforeAll(async () => {
    server = await startTestPostgres();
    url = await server.createDatabase("orders");
    store = await createPostgresOrderStore(url);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it("stores an order with its derived fields and reads it back, per tenant", async () => {
    const stored = await store.insert(order("acme", "SO-1"));
    expect(stored.id).toBe("ord-1");
    expect(await store.get("acme", "ord-1")).toEqual(stored);
    expect(await store.get("globex", "ord-1")).toBeUndefined();
    expect(await store.get("acme", "ord-0")).toBeUndefined();
    expect(await store.get("acme", "1; DROP TABLE orders")).toBeUndefined();
  });

  it("refuses an order_ref the tenant already used with failed_precondition; another tenant may use it", async () => {
    await store.insert(order("acme", "SO-dup"));
    await expect(store.insert(order("acme", "SO-dup"))).rejects.toMatchObject({
      code: "failed_precondition",
      reason: "invalid_input",
    });
    expect((await store.insert(order("globex", "SO-dup"))).tenantId).toBe("globex");
  });

  it("gives concurrent creates for one tenant distinct ids, in sequence", async () => {
    const created = await Promise.all(
      Array.from({ length: 24 }, (_, i) => store.insert(order("initech", `SO-${i}`))),
    );
    const ids = created.map((o) => o.id).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    expect(ids).toEqual(Array.from({ length: 24 }, (_, i) => `ord-${i + 1}`));
  });

  it("leaves a pool it was given open when it closes", async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const shared = await createPostgresOrderStore(pool);
    await shared.close();
    expect((await pool.query("SELECT count(*)::int AS n FROM orders")).rows[0].n).toBeGreaterThan(0);
    await pool.end();
  });

  it("serves the orders-domain service on PostgreSQL, its bindings table in the same database", async () => {
    const db = await server.createDatabase("orders_service");
    const service = await startOrdersService({
      port: 0,
      runtimeUrl: "http://127.0.0.1:9", // no tenant here binds an extension: the runtime is never called
      runtimeToken: undefined,
      database: { postgres: db },
      bindings: { from: "sql" },
    });
    try {
      expect(service.summary).toMatchObject({ ok: true, database: "postgres", bindings: "database" });
      const client = createClient(
        OrderService,
        createConnectTransport({ baseUrl: service.url, httpVersion: "1.1" }),
      );
      const res = await client.createOrder({
        tenantId: "acme",
        orderRef: "SO-1",
        currency: "EUR",
        lines: [],
      });
      expect(res.order?.id).toBe("ord-1");
      const pool = new pg.Pool({ connectionString: db, max: 1 });
      expect(await createSqlConfigStore({ pg: pool }).list("acme")).toEqual([]); // the table exists
      await pool.end();
    } finally {
      await service.close();
    }
  });
  it("refuses to start the service on a PostgreSQL it cannot reach: unavailable / store_unavailable", async () => {
    const start = startOrdersService({
      port: 0,
      runtimeUrl: "http://127.0.0.1:9",
      runtimeToken: undefined,
      database: { postgres: "postgres://postgres@127.0.0.1:9/orders" },
      bindings: { from: "sql" },
    });
    await expect(start).rejects.toMatchObject({ code: "unavailable", reason: "store_unavailable" });
  });
});
