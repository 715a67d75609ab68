/**
 * `@ameide-ext/sdk/sql`: a domain's extension bindings in its own database (spec 479 §4.2), over the
 * driver the domain already has: better-sqlite3 or pg, optional peers of the SDK. This entry imports
 * neither: the caller passes its `Database` or `Pool`.
 */
export type {
  PgQueryable,
  SqlConfigDatabase,
  SqlConfigStore,
  SqlConfigStoreOptions,
  SqliteDatabase,
} from "./domain/sql-config-store.js";
export { createSqlConfigStore, DEFAULT_BINDINGS_TABLE } from "./domain/sql-config-store.js";
