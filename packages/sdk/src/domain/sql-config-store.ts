import { DOMAIN_NAME_PATTERN, EXTENSION_POINT_NAME_PATTERN, ExtensionError } from "@ameide-ext/contract";
import type { DomainExtensionConfig, DomainExtensionConfigStore } from "./domain-config-store.js";

// The driver objects are the caller's: this file names their shapes, never their packages, so
// `@ameide-ext/sdk/sql` installs and loads no database driver of its own.

/** What the store uses of a better-sqlite3 `Database`. */
export interface SqliteDatabase {
  prepare(sql: string): {
    readonly reader: boolean;
    run(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
  };
}

/** What the store uses of a pg `Pool` (or `Client`). */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** The domain's database: better-sqlite3 or pg. */
export type SqlConfigDatabase = { sqlite: SqliteDatabase } | { pg: PgQueryable };

/** Options of {@link createSqlConfigStore}. */
export interface SqlConfigStoreOptions {
  /** The table: a SQL identifier, optionally schema-qualified ("ext.bindings"). Default {@link DEFAULT_BINDINGS_TABLE}. */
  table?: string | undefined;
}

/** A {@link DomainExtensionConfigStore} in the domain's own database (spec 479 §4.2: "stored in domain persistence"). */
export interface SqlConfigStore extends DomainExtensionConfigStore {
  /** Creates the table when it is missing (`CREATE TABLE IF NOT EXISTS`): run it at start, or in a migration. */
  createTable(): Promise<void>;
  /** Binds the tenant's point to an extension (`version` "latest" unless given); replaces its binding. */
  set(tenantId: string, domain: string, point: string, config: DomainExtensionConfig): Promise<void>;
  /** Removes the tenant's binding of the point; false when it had none. */
  clear(tenantId: string, domain: string, point: string): Promise<boolean>;
  /** The tenant's bindings, by domain and point. */
  list(tenantId: string): Promise<Array<{ domain: string; point: string; config: DomainExtensionConfig }>>;
}

/** The default table's name. */
export const DEFAULT_BINDINGS_TABLE = "domain_extension_configs";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;
const VERSION = /^(latest|[1-9][0-9]{0,8})$/;
/** An extension id, as manifests and the registry spell it (the toolkit's HOOK_ID_PATTERN), at most 64. */
const EXTENSION_ID = /^(?=.{1,64}$)[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

type Query = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

/** One statement with `$1`… parameters, run by the domain's driver. */
function queryOf(db: SqlConfigDatabase): Query {
  if ("pg" in db)
    return async (sql, params) => (await db.pg.query(sql, params)).rows as Array<Record<string, unknown>>;
  return async (sql, params) => {
    // better-sqlite3 binds `?` in order: each `$n` becomes one, with its value.
    const ordered: unknown[] = [];
    const stmt = db.sqlite.prepare(
      sql.replace(/\$(\d+)/g, (_m, n: string) => {
        ordered.push(params[Number(n) - 1]);
        return "?";
      }),
    );
    if (stmt.reader) return stmt.all(...ordered) as Array<Record<string, unknown>>;
    stmt.run(...ordered);
    return [];
  };
}

/** Refuses a tenant, domain or point that cannot be bound (`invalid_argument`, quoting it). */
function checkKey(tenantId: string, domain: string, point: string): void {
  const refuse = (what: string, value: string, rule: string) => {
    throw new ExtensionError("invalid_argument", `${what} ${JSON.stringify(value)} ${rule}`, "invalid_input");
  };
  if (tenantId === "" || tenantId.length > 128) refuse("tenantId", tenantId, "must be 1 to 128 characters");
  if (!DOMAIN_NAME_PATTERN.test(domain))
    refuse("domain", domain, 'must be lowercase letters, digits and hyphens, e.g. "orders"');
  if (!EXTENSION_POINT_NAME_PATTERN.test(point))
    refuse("point", point, 'must be a letter, then letters and digits, e.g. "BeforeCreateOrder"');
}

/** Refuses a config that names no valid extension or version (`invalid_argument`). */
function checkConfig(config: DomainExtensionConfig): Required<DomainExtensionConfig> {
  const version = config.version || "latest";
  if (!EXTENSION_ID.test(config.extensionId))
    throw new ExtensionError(
      "invalid_argument",
      `extensionId ${JSON.stringify(config.extensionId)} must be lowercase words joined by hyphens, e.g. "order-guard"`,
      "invalid_input",
    );
  if (!VERSION.test(version))
    throw new ExtensionError(
      "invalid_argument",
      `version ${JSON.stringify(version)} must be an exact version such as "3", or "latest"`,
      "invalid_input",
    );
  return { extensionId: config.extensionId, version };
}

/**
 * Creates a {@link SqlConfigStore} over the domain's own database: better-sqlite3 (`{ sqlite: db }`) or
 * pg (`{ pg: pool }`), the driver the domain already uses. The table name is checked here, once. Every
 * `get` is one indexed read (primary key tenant, domain, point).
 */
export function createSqlConfigStore(
  db: SqlConfigDatabase,
  options: SqlConfigStoreOptions = {},
): SqlConfigStore {
  const table = options.table ?? DEFAULT_BINDINGS_TABLE;
  if (!IDENTIFIER.test(table))
    throw new ExtensionError(
      "invalid_argument",
      `table ${JSON.stringify(table)} must be a SQL identifier (letters, digits, _), optionally schema.table`,
      "invalid_input",
    );
  const q = queryOf(db);
  const KEY = "tenant_id = $1 AND domain = $2 AND extension_point = $3";
  return {
    async createTable() {
      await q(
        `CREATE TABLE IF NOT EXISTS ${table} (
          tenant_id TEXT NOT NULL,
          domain TEXT NOT NULL,
          extension_point TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          version TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (tenant_id, domain, extension_point))`,
        [],
      );
    },
    async get(tenantId, domain, point) {
      checkKey(tenantId, domain, point);
      const rows = await q(`SELECT extension_id, version FROM ${table} WHERE ${KEY}`, [
        tenantId,
        domain,
        point,
      ]);
      const row = rows[0];
      return row ? { extensionId: String(row.extension_id), version: String(row.version) } : undefined;
    },
    async set(tenantId, domain, point, config) {
      checkKey(tenantId, domain, point);
      const { extensionId, version } = checkConfig(config);
      await q(
        `INSERT INTO ${table} (tenant_id, domain, extension_point, extension_id, version, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, domain, extension_point) DO UPDATE SET extension_id = excluded.extension_id,
         version = excluded.version, updated_at = excluded.updated_at`,
        [tenantId, domain, point, extensionId, version, new Date().toISOString()],
      );
    },
    async clear(tenantId, domain, point) {
      checkKey(tenantId, domain, point);
      const rows = await q(`DELETE FROM ${table} WHERE ${KEY} RETURNING extension_id`, [
        tenantId,
        domain,
        point,
      ]);
      return rows.length > 0;
    },
    async list(tenantId) {
      const rows = await q(
        `SELECT domain, extension_point, extension_id, version FROM ${table} WHERE tenant_id = $1 ORDER BY domain, extension_point`,
        [tenantId],
      );
      return rows.map((r) => ({
        domain: String(r.domain),
        point: String(r.extension_point),
        config: { extensionId: String(r.extension_id), version: String(r.version) },
      }));
    },
  };
}
