// Test support: the two store backends, for describe.each. Internal.
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { type PostgresServer, startPostgres } from "./postgres-server.js";

/** A backend the shared suites run against. */
export interface StoreBackend {
  name: "sqlite" | "postgres";
  /** Starts what the backend needs (a PostgreSQL server). */
  setup(): Promise<void>;
  /** A fresh, empty, migrated store. */
  open(): Promise<RegistryStore>;
  /** Stops what setup started. */
  teardown(): Promise<void>;
}

let server: PostgresServer | undefined;
let users = 0;
let databases = 0;

/** SQLite in memory, and PostgreSQL on a throwaway server (one per test file, a database per store). */
export const STORE_BACKENDS: StoreBackend[] = [
  {
    name: "sqlite",
    setup: async () => {},
    open: () => openRegistryStore(":memory:"),
    teardown: async () => {},
  },
  {
    name: "postgres",
    async setup() {
      users++;
      server ??= await startPostgres();
    },
    async open() {
      if (!server) throw new Error("postgres backend: setup() first");
      databases++;
      return openRegistryStore(await server.createDatabase(`registry_${process.pid}_${databases}`));
    },
    async teardown() {
      users--;
      if (users === 0 && server) {
        const s = server;
        server = undefined;
        await s.stop();
      }
    },
  },
];
