import { ExtensionError } from "@ameide-ext/contract";
import Database from "better-sqlite3";
import { ORDERS_TABLE, type OrderStore, orderOfRow, seqOfId } from "./order-store.js";

/**
 * An {@link OrderStore} in a SQLite file (or `:memory:`), the domain's default database. Given an open
 * `Database` instead of a path (one the domain shares, e.g. with its bindings), it leaves closing it
 * to the caller.
 */
export function createSqliteOrderStore(pathOrDb: string | Database.Database): OrderStore {
  const owned = typeof pathOrDb === "string";
  const db = owned ? new Database(pathOrDb) : pathOrDb;
  if (owned) db.pragma("journal_mode = WAL");
  db.exec(ORDERS_TABLE);
  const next = db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM orders WHERE tenant_id = ?");
  const insert = db.prepare(
    "INSERT INTO orders (seq, tenant_id, order_ref, customer_id, currency, lines_json, derived_fields_json, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const select = db.prepare("SELECT * FROM orders WHERE tenant_id = ? AND seq = ?");
  const insertOrder = db.transaction((o: Parameters<OrderStore["insert"]>[0]) => {
    const { seq } = next.get(o.tenantId) as { seq: number };
    insert.run(
      seq,
      o.tenantId,
      o.orderRef,
      o.customerId,
      o.currency,
      JSON.stringify(o.lines),
      JSON.stringify(o.derivedFields),
      o.createdBy,
    );
    return seq;
  });
  return {
    async insert(order) {
      try {
        return { ...order, id: `ord-${insertOrder(order)}` };
      } catch (cause) {
        if ((cause as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw duplicate(order.orderRef);
        throw cause;
      }
    },
    async get(tenantId, id) {
      const seq = seqOfId(id);
      const row = seq === undefined ? undefined : select.get(tenantId, seq);
      return row ? orderOfRow(row as Record<string, unknown>) : undefined;
    },
    async close() {
      if (owned) db.close();
    },
  };
}

/** The refusal of an order reference the tenant already used. */
export function duplicate(orderRef: string): ExtensionError {
  return new ExtensionError(
    "failed_precondition",
    `order ${orderRef} exists already for this tenant; use another order_ref`,
    "invalid_input",
  );
}
