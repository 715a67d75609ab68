import pg from "pg";
import type { SqlDriver, SqlRow } from "./sql-driver.js";

// BIGINT (event sequence numbers) as a number: they stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * The real store's driver: a pg connection pool to `connectionString`
 * (`postgres://user:pass@host:port/db`). Each transaction runs on one pooled
 * client at READ COMMITTED; `SELECT … FOR UPDATE` locks the rows it reads
 * until COMMIT, which is what makes two concurrent approvals take turns.
 */
export function createPostgresDriver(connectionString: string, poolSize = 10): SqlDriver {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle client's error (the server went away) must not crash the process; the next query reports it.
  pool.on("error", () => {});
  return {
    dialect: "postgres",
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(async (sql, params = []) => {
          const r = await client.query(sql, [...params]);
          return r.rows as SqlRow[];
        });
        await client.query("COMMIT");
        return result;
      } catch (cause) {
        await client.query("ROLLBACK").catch(() => {});
        throw cause;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
