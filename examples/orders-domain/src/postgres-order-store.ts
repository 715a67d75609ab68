import pg from "pg";
import { ORDERS_TABLE, type OrderStore, orderOfRow, seqOfId } from "./order-store.js";
import { duplicate } from "./sqlite-order-store.js";

/**
 * An {@link OrderStore} in PostgreSQL (`postgres://…`), for a domain that runs several replicas. Given a
 * `pg.Pool` instead of a URL (one the domain shares, e.g. with its bindings), it leaves ending it to
 * the caller.
 */
export async function createPostgresOrderStore(urlOrPool: string | pg.Pool): Promise<OrderStore> {
  const owned = typeof urlOrPool === "string";
  const pool = owned ? new pg.Pool({ connectionString: urlOrPool, max: 4 }) : urlOrPool;
  await pool.query(ORDERS_TABLE);
  return {
    async insert(order) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        // One creator per tenant at a time: the sequence is per tenant.
        await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [order.tenantId]);
        const { rows } = await client.query(
          "SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM orders WHERE tenant_id = $1",
          [order.tenantId],
        );
        const seq = Number(rows[0].seq);
        await client.query(
          "INSERT INTO orders (seq, tenant_id, order_ref, customer_id, currency, lines_json, derived_fields_json, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          [
            seq,
            order.tenantId,
            order.orderRef,
            order.customerId,
            order.currency,
            JSON.stringify(order.lines),
            JSON.stringify(order.derivedFields),
            order.createdBy,
          ],
        );
        await client.query("COMMIT");
        return { ...order, id: `ord-${seq}` };
      } catch (cause) {
        await client.query("ROLLBACK");
        if ((cause as { code?: string }).code === "23505") throw duplicate(order.orderRef);
        throw cause;
      } finally {
        client.release();
      }
    },
    async get(tenantId, id) {
      const seq = seqOfId(id);
      if (seq === undefined) return undefined;
      const { rows } = await pool.query("SELECT * FROM orders WHERE tenant_id = $1 AND seq = $2", [
        tenantId,
        seq,
      ]);
      return rows[0] ? orderOfRow(rows[0]) : undefined;
    },
    async close() {
      if (owned) await pool.end();
    },
  };
}
