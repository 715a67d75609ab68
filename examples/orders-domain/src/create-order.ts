import { type DomainExtensions, userContext, type ValidationMessage } from "@ameide-ext/sdk";
import { type CreateOrderCommand, derivedOf, orderCommand, orderUser } from "./order-command.js";
import { ORDER_POINTS } from "./order-points.js";
import type { OrderStore, StoredOrder } from "./order-store.js";

/** A CreateOrder request, in the domain's terms. */
export interface CreateOrderInput {
  tenantId: string;
  userId: string;
  orderRef: string;
  customerId: string;
  currency: string;
  lines: ReadonlyArray<{ sku: string; quantity: number; unitPrice: number; discountPct: number }>;
}

/** What CreateOrder answers. */
export interface CreatedOrder {
  order: StoredOrder;
  messages: ValidationMessage[];
  /** What AfterCreateOrder derived: part of the answer, not stored. */
  afterFields: Record<string, unknown>;
}

/**
 * CreateOrder, Chain of Command: BeforeCreateOrder's extension sees the
 * command and may refuse it (a DomainVetoError) or derive fields, stored with
 * the order; then `next` stores it; then AfterCreateOrder's extension sees the
 * command and the stored order and may add messages and fields to the answer.
 */
export async function createOrder(
  store: OrderStore,
  extensions: DomainExtensions,
  input: CreateOrderInput,
): Promise<CreatedOrder> {
  const command = orderCommand(input);
  const userId = orderUser(input.userId);
  const ctx = userContext({
    tenantId: input.tenantId,
    userId,
    correlationId: `create-order/${input.tenantId}/${command.orderId}`,
  });
  let stored: StoredOrder | undefined;
  let after: { result: Record<string, unknown>; messages: ValidationMessage[] } = {
    result: {},
    messages: [],
  };
  const insert = async (merged: CreateOrderCommand) => {
    const order = await store.insert({
      tenantId: input.tenantId,
      orderRef: command.orderId,
      customerId: command.customerId,
      currency: command.currency,
      lines: command.lines,
      derivedFields: derivedOf(command, merged),
      createdBy: `user:${userId}`,
    });
    stored = order;
    after = await extensions.around(ORDER_POINTS.AfterCreateOrder, ctx, command, async () => ({ ...order }));
    return after.result;
  };
  const before = await extensions.around(ORDER_POINTS.BeforeCreateOrder, ctx, command, insert);
  const order = stored as StoredOrder;
  return {
    order,
    messages: [...before.messages, ...after.messages],
    // Only what the after hook added: it cannot rewrite the stored order's fields in the answer.
    afterFields: Object.fromEntries(Object.entries(after.result).filter(([key]) => !(key in order))),
  };
}
