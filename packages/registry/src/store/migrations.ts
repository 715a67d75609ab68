import type { SqlDriver, SqlQuery } from "./sql-driver.js";

/** One schema change. Applied once, in order, and recorded in `schema_migrations`. */
export interface Migration {
  /** 1, 2, 3…: never renumber, never edit one that shipped; add the next. */
  version: number;
  /** What it does. */
  name: string;
  /** Its statements, for a dialect. */
  statements(dialect: SqlDriver["dialect"]): string[];
}

/** Every migration of the registry's schema, in order. */
export const MIGRATIONS: readonly Migration[] = Object.freeze<Migration[]>([
  {
    version: 1,
    name: "extensions, revisions, approvals, deployments, pins, audit events",
    statements: (dialect) => {
      const serial = dialect === "postgres" ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
      return [
        `CREATE TABLE extensions (
          tenant_id TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          latest_version INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          PRIMARY KEY (tenant_id, extension_id))`,
        `CREATE TABLE revisions (
          tenant_id TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          state TEXT NOT NULL,
          row_version INTEGER NOT NULL,
          created_by TEXT NOT NULL,
          doc TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (tenant_id, extension_id, version),
          FOREIGN KEY (tenant_id, extension_id) REFERENCES extensions (tenant_id, extension_id))`,
        `CREATE TABLE approvals (
          id ${serial},
          tenant_id TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          env TEXT NOT NULL,
          approver TEXT NOT NULL,
          comment TEXT NOT NULL,
          time TEXT NOT NULL)`,
        "CREATE INDEX approvals_by_version ON approvals (tenant_id, extension_id, version)",
        `CREATE TABLE deployments (
          tenant_id TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          env TEXT NOT NULL,
          active_version INTEGER NOT NULL,
          updated_by TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (tenant_id, extension_id, env))`,
        `CREATE TABLE env_versions (
          tenant_id TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          env TEXT NOT NULL,
          version INTEGER NOT NULL,
          promoted_at TEXT NOT NULL,
          PRIMARY KEY (tenant_id, extension_id, env, version))`,
        `CREATE TABLE pins (
          tenant_id TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          env TEXT NOT NULL,
          consumer_ref TEXT NOT NULL,
          version INTEGER NOT NULL,
          pinned_by TEXT NOT NULL,
          pinned_at TEXT NOT NULL,
          comment TEXT NOT NULL,
          PRIMARY KEY (tenant_id, extension_id, env, consumer_ref))`,
        `CREATE TABLE events (
          seq ${serial},
          id TEXT NOT NULL UNIQUE,
          type TEXT NOT NULL,
          tenant_id TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          version TEXT NOT NULL,
          actor TEXT NOT NULL,
          time TEXT NOT NULL,
          doc TEXT NOT NULL)`,
        "CREATE INDEX events_by_extension ON events (tenant_id, extension_id, seq)",
      ];
    },
  },
  {
    version: 2,
    name: "draft_requests: CreateDraft's request ids, for idempotent replays",
    // The primary key is what makes two concurrent requests with one id create one draft.
    statements: () => [
      `CREATE TABLE draft_requests (
          tenant_id TEXT NOT NULL,
          principal TEXT NOT NULL,
          request_id TEXT NOT NULL,
          payload_sha256 TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          PRIMARY KEY (tenant_id, principal, request_id))`,
    ],
  },
  {
    version: 3,
    name: "domain_bindings: which extension each tenant's domain extension points run, per environment",
    // version is TEXT: "latest" follows the version active in env.
    statements: () => [
      `CREATE TABLE domain_bindings (
          tenant_id TEXT NOT NULL,
          env TEXT NOT NULL,
          domain TEXT NOT NULL,
          extension_point TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          version TEXT NOT NULL,
          updated_by TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          comment TEXT NOT NULL,
          PRIMARY KEY (tenant_id, env, domain, extension_point))`,
    ],
  },
  {
    version: 4,
    name: "events_by_actor: the versions an agent created in the last hour, for its rate limit",
    statements: () => ["CREATE INDEX events_by_actor ON events (actor, type, time)"],
  },
  {
    version: 5,
    name: "disabled_versions: the kill switches thrown per environment (version '' for every version)",
    statements: () => [
      `CREATE TABLE disabled_versions (
          tenant_id TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          env TEXT NOT NULL,
          version TEXT NOT NULL,
          disabled_by TEXT NOT NULL,
          disabled_at TEXT NOT NULL,
          reason TEXT NOT NULL,
          PRIMARY KEY (tenant_id, extension_id, env, version))`,
    ],
  },
  {
    version: 6,
    name: "replay_reports: the replay report attached to a version per environment, for the replay_required rule",
    statements: () => [
      `CREATE TABLE replay_reports (
          tenant_id TEXT NOT NULL,
          extension_id TEXT NOT NULL,
          version TEXT NOT NULL,
          env TEXT NOT NULL,
          summary TEXT NOT NULL,
          report_json TEXT NOT NULL,
          attached_by TEXT NOT NULL,
          attached_at TEXT NOT NULL,
          PRIMARY KEY (tenant_id, extension_id, version, env))`,
    ],
  },
]);

/**
 * Brings the schema up to date: applies, each in its own transaction, every
 * migration newer than the highest in `schema_migrations`. Two processes
 * migrating one PostgreSQL database at once take turns on an advisory lock.
 * Returns the schema version.
 */
export async function migrate(
  driver: SqlDriver,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number> {
  const lock = async (q: SqlQuery) => {
    if (driver.dialect === "postgres") await q("SELECT pg_advisory_xact_lock(479001)");
  };
  await driver.transaction(async (q) => {
    await lock(q);
    await q(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    );
  });
  let current = 0;
  for (const m of migrations) {
    await driver.transaction(async (q) => {
      await lock(q);
      const rows = await q("SELECT version FROM schema_migrations WHERE version = $1", [m.version]);
      if (rows.length > 0) return;
      for (const statement of m.statements(driver.dialect)) await q(statement);
      await q("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    });
    current = m.version;
  }
  return current;
}
