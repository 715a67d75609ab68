import Database from "better-sqlite3";
import type { SqlDriver, SqlQuery, SqlRow } from "./sql-driver.js";

/**
 * `$1`-style SQL as SQLite runs it: each `$n` becomes `?` with its value in
 * order, and `FOR UPDATE` goes (a SQLite transaction takes the write lock for
 * the whole database at BEGIN IMMEDIATE).
 */
function translate(sql: string, params: readonly unknown[]): { sql: string; params: unknown[] } {
  const ordered: unknown[] = [];
  const text = sql.replace(/\s+FOR UPDATE/gi, "").replace(/\$(\d+)/g, (_m, n: string) => {
    const value = params[Number(n) - 1];
    ordered.push(typeof value === "boolean" ? (value ? 1 : 0) : value);
    return "?";
  });
  return { sql: text, params: ordered };
}

/**
 * The embedded store's driver: one better-sqlite3 connection to `file` (or
 * ":memory:"), in WAL mode. Transactions are serialised in this process by a
 * queue, and across processes by SQLite's write lock (`BEGIN IMMEDIATE`, with
 * a 5 s busy timeout).
 */
export function createSqliteDriver(file: string): SqlDriver {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  let tail: Promise<unknown> = Promise.resolve();
  const query: SqlQuery = async (sql, params = []) => {
    const t = translate(sql, params);
    const stmt = db.prepare(t.sql);
    if (stmt.reader) return stmt.all(...t.params) as SqlRow[];
    stmt.run(...t.params);
    return [];
  };
  return {
    dialect: "sqlite",
    transaction<T>(fn: (q: SqlQuery) => Promise<T>): Promise<T> {
      const run = async () => {
        db.exec("BEGIN IMMEDIATE");
        try {
          const result = await fn(query);
          db.exec("COMMIT");
          return result;
        } catch (cause) {
          if (db.inTransaction) db.exec("ROLLBACK");
          throw cause;
        }
      };
      const next = tail.then(run, run);
      tail = next.catch(() => {});
      return next;
    },
    async close() {
      await tail;
      db.close();
    },
  };
}
