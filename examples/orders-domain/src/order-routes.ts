import {
  ERROR_DETAILS_HEADER,
  ERROR_REASON_HEADER,
  ExtensionError,
  toConnectCode,
} from "@ameide-ext/contract";
import type { DomainExtensions } from "@ameide-ext/sdk";
import { create } from "@bufbuild/protobuf";
import { ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { createOrder } from "./create-order.js";
import { OrderSchema, OrderService } from "./gen/ameide/examples/orders/v1/orders_pb.js";
import type { OrderStore, StoredOrder } from "./order-store.js";

/** An error as a ConnectError: the code, the reason and the details (a veto's messages) in headers. */
export function toOrdersConnectError(cause: unknown): ConnectError {
  if (cause instanceof ConnectError) return cause;
  const error = ExtensionError.from(cause);
  const metadata = new Headers();
  if (error.reason !== undefined) metadata.set(ERROR_REASON_HEADER, error.reason);
  if (error.details !== undefined) {
    const json = JSON.stringify(error.details);
    if (json.length <= 8192) metadata.set(ERROR_DETAILS_HEADER, json);
  }
  return new ConnectError(error.message, toConnectCode(error.code), metadata, undefined, error);
}

function orderMessage(order: StoredOrder) {
  return create(OrderSchema, {
    id: order.id,
    tenantId: order.tenantId,
    orderRef: order.orderRef,
    customerId: order.customerId,
    currency: order.currency,
    lines: order.lines,
    derivedFieldsJson: JSON.stringify(order.derivedFields),
    createdBy: order.createdBy,
  });
}

function tenantOf(tenantId: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(tenantId))
    throw new ExtensionError(
      "invalid_argument",
      `tenant_id "${tenantId.slice(0, 80)}" is not a tenant id`,
      "invalid_input",
    );
  return tenantId;
}

/** The routes of `ameide.examples.orders.v1.OrderService`. */
export function orderRoutes(store: OrderStore, extensions: DomainExtensions) {
  return (router: ConnectRouter) => {
    router.service(OrderService, {
      async createOrder(req) {
        try {
          const created = await createOrder(store, extensions, {
            ...req,
            tenantId: tenantOf(req.tenantId),
            userId: req.userId || "anonymous",
          });
          return {
            order: orderMessage(created.order),
            messages: created.messages.map((m) => ({
              field: m.field ?? "",
              severity: m.severity ?? "",
              code: m.code ?? "",
              message: m.message,
            })),
            afterFieldsJson: JSON.stringify(created.afterFields),
          };
        } catch (cause) {
          throw toOrdersConnectError(cause);
        }
      },
      async getOrder(req) {
        try {
          const order = await store.get(tenantOf(req.tenantId), req.id);
          if (!order)
            throw new ExtensionError("not_found", `no order ${req.id.slice(0, 80)} for this tenant`);
          return { order: orderMessage(order) };
        } catch (cause) {
          throw toOrdersConnectError(cause);
        }
      },
    });
  };
}
