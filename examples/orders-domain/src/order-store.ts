import type { OrderLine } from "./order-command.js";

/** An order as the domain stores it. */
export interface StoredOrder {
  id: string;
  tenantId: string;
  orderRef: string;
  customerId: string;
  currency: string;
  lines: OrderLine[];
  /** What the tenant's BeforeCreateOrder extension derived (a JSON object). */
  derivedFields: Record<string, unknown>;
  createdBy: string;
}

/** Where the Orders domain keeps its orders: SQLite by default, PostgreSQL when configured. */
export interface OrderStore {
  /** Stores a new order and returns it with its id; a reference the tenant already used is refused (failed_precondition). */
  insert(order: Omit<StoredOrder, "id">): Promise<StoredOrder>;
  /** The tenant's order `id`, or undefined. */
  get(tenantId: string, id: string): Promise<StoredOrder | undefined>;
  close(): Promise<void>;
}

/** The orders table, in the SQL both SQLite and PostgreSQL speak. */
export const ORDERS_TABLE = `CREATE TABLE IF NOT EXISTS orders (
  seq INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  order_ref TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  lines_json TEXT NOT NULL,
  derived_fields_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (tenant_id, seq),
  UNIQUE (tenant_id, order_ref)
)`;

/** A stored row as an order. */
export function orderOfRow(row: Record<string, unknown>): StoredOrder {
  return {
    id: `ord-${row.seq}`,
    tenantId: String(row.tenant_id),
    orderRef: String(row.order_ref),
    customerId: String(row.customer_id),
    currency: String(row.currency),
    lines: JSON.parse(String(row.lines_json)) as OrderLine[],
    derivedFields: JSON.parse(String(row.derived_fields_json)) as Record<string, unknown>,
    createdBy: String(row.created_by),
  };
}

/** The sequence number of an order id ("ord-12" → 12), or undefined for an id that is not one of ours. */
export function seqOfId(id: string): number | undefined {
  const m = /^ord-([1-9][0-9]{0,14})$/.exec(id);
  return m ? Number(m[1]) : undefined;
}
