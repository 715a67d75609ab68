import { defineExtensionPoints } from "@ameide-ext/sdk";

/**
 * The Orders domain's extension points. Deadlines come out of CreateOrder's
 * budget (spec 479 §10.2: 50-150 ms per domain command): the before hook may
 * refuse the order, so it gets most of it; the after hook only annotates.
 */
export const ORDER_POINTS = defineExtensionPoints({
  BeforeCreateOrder: { kind: "before", deadlineMs: 100 },
  AfterCreateOrder: { kind: "after", deadlineMs: 50 },
});

/** The domain's name, as bindings name it ("orders/BeforeCreateOrder"). */
export const ORDERS_DOMAIN = "orders";
