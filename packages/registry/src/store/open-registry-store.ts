import { createPostgresDriver } from "./postgres-driver.js";
import { createSqlRegistryStore, type RegistryStore } from "./registry-store.js";
import { createSqliteDriver } from "./sqlite-driver.js";

/**
 * Opens the registry's database and migrates it: `postgres://…` or
 * `postgresql://…` is PostgreSQL, anything else a SQLite file path (or
 * ":memory:"), the embedded default.
 */
export function openRegistryStore(database: string): Promise<RegistryStore> {
  if (/^postgres(ql)?:\/\//.test(database)) return createSqlRegistryStore(createPostgresDriver(database));
  return createSqlRegistryStore(createSqliteDriver(database));
}
