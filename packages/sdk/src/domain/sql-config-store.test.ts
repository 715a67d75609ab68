import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDocsExample } from "../testing/docs-example.js";
import { startTestPostgres, type TestPostgres } from "../testing/registry-server.js";
import { createSqlConfigStore, type SqlConfigDatabase } from "./sql-config-store.js";

/** A database the suite runs against: SQLite in memory, and PostgreSQL as the registry's suites start it. */
interface Backend {
  name: string;
  setup(): Promise<void>;
  open(): Promise<SqlConfigDatabase>;
  teardown(): Promise<void>;
}

let server: TestPostgres | undefined;
const pools: pg.Pool[] = [];
const BACKENDS: Backend[] = [
  {
    name: "sqlite",
    setup: async () => {},
    open: async () => ({ sqlite: new Database(":memory:") }),
    teardown: async () => {},
  },
  {
    name: "postgres",
    async setup() {
      server = await startTestPostgres();
    },
    async open() {
      if (!server) throw new Error("setup() first");
      const url = await server.createDatabase(`sdk_bindings_${process.pid}_${pools.length}`);
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pools.push(pool);
      return { pg: pool };
    },
    async teardown() {
      for (const p of pools.splice(0)) await p.end();
      await server?.stop();
      server = undefined;
    },
  },
];

describe.each(BACKENDS)("createSqlConfigStore() on $name", (backend) => {
  beforeAll(() => backend.setup(), 60_000);
  afterAll(() => backend.teardown());

  it("creates its table if missing, then sets, gets, lists and clears a tenant's bindings", async () => {
    const store = createSqlConfigStore(await backend.open());
    await store.createTable();
    await store.createTable(); // again: a no-op
    expect(await store.get("acme", "orders", "BeforeCreateOrder")).toBeUndefined();
    await store.set("acme", "orders", "BeforeCreateOrder", { extensionId: "order-guard" });
    await store.set("acme", "orders", "AfterCreateOrder", { extensionId: "order-notes", version: "3" });
    await store.set("globex", "orders", "BeforeCreateOrder", { extensionId: "credit-check" });
    expect(await store.get("acme", "orders", "BeforeCreateOrder")).toEqual({
      extensionId: "order-guard",
      version: "latest",
    });
    // Replaces the point's binding.
    await store.set("acme", "orders", "BeforeCreateOrder", { extensionId: "order-guard", version: "2" });
    expect(await store.get("acme", "orders", "BeforeCreateOrder")).toEqual({
      extensionId: "order-guard",
      version: "2",
    });
    expect(await store.list("acme")).toEqual([
      { domain: "orders", point: "AfterCreateOrder", config: { extensionId: "order-notes", version: "3" } },
      { domain: "orders", point: "BeforeCreateOrder", config: { extensionId: "order-guard", version: "2" } },
    ]);
    expect(await store.clear("acme", "orders", "BeforeCreateOrder")).toBe(true);
    expect(await store.clear("acme", "orders", "BeforeCreateOrder")).toBe(false);
    expect(await store.get("acme", "orders", "BeforeCreateOrder")).toBeUndefined();
    expect(await store.get("globex", "orders", "BeforeCreateOrder")).toMatchObject({
      extensionId: "credit-check",
    });
  });

  it("keeps to the table it is given", async () => {
    const db = await backend.open();
    const a = createSqlConfigStore(db, { table: "orders_hooks" });
    const b = createSqlConfigStore(db);
    await a.createTable();
    await b.createTable();
    await a.set("acme", "orders", "BeforeCreateOrder", { extensionId: "order-guard" });
    expect(await b.get("acme", "orders", "BeforeCreateOrder")).toBeUndefined();
  });

  it("refuses hostile keys and configs with invalid_argument, and stores nothing", async () => {
    const store = createSqlConfigStore(await backend.open());
    await store.createTable();
    const bad: Array<[string, string, string, { extensionId: string; version?: string }]> = [
      ["", "orders", "BeforeCreateOrder", { extensionId: "order-guard" }],
      ["acme", "Orders", "BeforeCreateOrder", { extensionId: "order-guard" }],
      [
        "acme",
        "orders'; DROP TABLE domain_extension_configs; --",
        "BeforeCreateOrder",
        { extensionId: "order-guard" },
      ],
      ["acme", "orders", "Before-Create", { extensionId: "order-guard" }],
      ["acme", "orders", "", { extensionId: "order-guard" }],
      ["acme", "orders", "BeforeCreateOrder", { extensionId: "" }],
      ["acme", "orders", "BeforeCreateOrder", { extensionId: "Order Guard" }],
      ["acme", "orders", "BeforeCreateOrder", { extensionId: "order-guard", version: "v2" }],
      ["acme", "orders", "BeforeCreateOrder", { extensionId: "order-guard", version: "0" }],
    ];
    for (const [tenant, domain, point, config] of bad)
      await expect(
        store.set(tenant, domain, point, config),
        `${domain} ${point} ${JSON.stringify(config)}`,
      ).rejects.toMatchObject({
        code: "invalid_argument",
      });
    await expect(store.get("acme", "Orders", "BeforeCreateOrder")).rejects.toMatchObject({
      code: "invalid_argument",
    });
    expect(await store.list("acme")).toEqual([]);
  });
});

describe("createSqlConfigStore()", () => {
  it("refuses a table name that is not an identifier when it is built (invalid_argument)", () => {
    const db = { sqlite: new Database(":memory:") };
    for (const table of ["", "bindings; DROP TABLE x", "1st", "a.b.c", "my-table", "x".repeat(64)])
      expect(() => createSqlConfigStore(db, { table }), table).toThrow(
        expect.objectContaining({ code: "invalid_argument" }),
      );
    expect(() => createSqlConfigStore(db, { table: "ext.domain_bindings" })).not.toThrow();
  });

  it("the docs' example keeps its bindings in SQLite (docs/sdk/bindings.md)", async () => {
    const mod = await runDocsExample("bindings", "sqlite");
    expect(mod.binding).toEqual({ extensionId: "order-validation", version: "latest" });
  });
});
