import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import {
  createRegistryConfigStore,
  createRuntimeClient,
  type DomainExtensionConfigStore,
} from "@ameide-ext/sdk";
import { createSqlConfigStore } from "@ameide-ext/sdk/sql";
import Database from "better-sqlite3";
import pg from "pg";
import { ORDERS_DOMAIN } from "./order-points.js";
import type { OrderStore } from "./order-store.js";
import type { OrdersServiceArgs } from "./orders-service-args.js";
import { createPostgresOrderStore } from "./postgres-order-store.js";
import { createSqliteOrderStore } from "./sqlite-order-store.js";
import { startOrdersServer } from "./start-orders-server.js";

/** The `orders-domain` service, running: what its ready line says, and how to stop it. */
export interface OrdersService {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The ready line's document: where it serves, stores, and reads bindings from. */
  readonly summary: Record<string, unknown>;
  /** Stops taking requests, then closes the bindings, the runtime client and the database. */
  close(): Promise<void>;
}

/** The database, the order store on it, and the SQL bindings store beside them. */
interface OpenedDatabase {
  store: OrderStore;
  sqlConfigs: ReturnType<typeof createSqlConfigStore>;
  close(): Promise<void>;
}

/** Runs `use` on a just-opened handle; closes the handle if `use` fails. */
async function closingOnFailure<T>(close: () => unknown, use: () => Promise<T> | T): Promise<T> {
  try {
    return await use();
  } catch (cause) {
    await close();
    throw cause;
  }
}

/** PostgreSQL: one pool for the orders and the bindings table. */
function openPostgres(url: string): Promise<OpenedDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  return closingOnFailure(
    () => pool.end(),
    async () => ({
      store: await createPostgresOrderStore(pool),
      sqlConfigs: createSqlConfigStore({ pg: pool }),
      close: () => pool.end(),
    }),
  );
}

/** SQLite: one connection for the orders and the bindings table; the file's folder is made if missing. */
function openSqlite(path: string): Promise<OpenedDatabase> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  return closingOnFailure(
    () => db.close(),
    () => {
      db.pragma("journal_mode = WAL");
      return {
        store: createSqliteOrderStore(db),
        sqlConfigs: createSqlConfigStore({ sqlite: db }),
        close: async () => void db.close(),
      };
    },
  );
}

/**
 * Opens the orders' database and, when the bindings live there, their table. A failure is
 * `unavailable` / `store_unavailable`, naming the database.
 */
async function openDatabase(args: OrdersServiceArgs): Promise<OpenedDatabase> {
  const { database } = args;
  try {
    const opened =
      "postgres" in database ? await openPostgres(database.postgres) : await openSqlite(database.sqlite);
    if (args.bindings.from === "sql")
      await closingOnFailure(opened.close, () => opened.sqlConfigs.createTable());
    return opened;
  } catch (cause) {
    const where = "postgres" in database ? "the PostgreSQL database" : `the SQLite file ${database.sqlite}`;
    throw new ExtensionError(
      "unavailable",
      `cannot open ${where}: ${(cause as Error).message}; check --db / --postgres-url`,
      "store_unavailable",
    );
  }
}

/**
 * Starts the Orders service the way the `orders-domain` command does: its database, the tenants'
 * bindings (the registry's, or a table in the same database), a runtime client, and the Connect server.
 */
export async function startOrdersService(args: OrdersServiceArgs): Promise<OrdersService> {
  const db = await openDatabase(args);
  const runtime = createRuntimeClient({
    baseUrl: args.runtimeUrl,
    protocol: "connect",
    httpVersion: "1.1",
    token: args.runtimeToken === undefined ? undefined : () => args.runtimeToken as string,
  });
  let configs: DomainExtensionConfigStore & { close?(): void };
  if (args.bindings.from === "registry") {
    const { url, token, env } = args.bindings;
    configs = createRegistryConfigStore({
      baseUrl: url,
      token: token === undefined ? undefined : () => token,
      env,
      domain: ORDERS_DOMAIN,
    });
  } else configs = db.sqlConfigs;
  const closeAllButServer = async () => {
    configs.close?.();
    runtime.close();
    await db.close();
  };
  const server = await startOrdersServer({ store: db.store, runtime, configs, port: args.port }).catch(
    async (cause: unknown) => {
      await closeAllButServer();
      throw new ExtensionError(
        "unavailable",
        `cannot listen on 127.0.0.1:${args.port}: ${(cause as Error).message}; pick another --port (0 for a free one)`,
      );
    },
  );
  const summary = {
    ok: true,
    url: server.url,
    runtimeUrl: args.runtimeUrl,
    database: "postgres" in args.database ? "postgres" : args.database.sqlite,
    bindings:
      args.bindings.from === "registry" ? `registry ${args.bindings.url} (${args.bindings.env})` : "database",
  };
  return {
    url: server.url,
    summary,
    async close() {
      await server.close();
      await closeAllButServer();
    },
  };
}
