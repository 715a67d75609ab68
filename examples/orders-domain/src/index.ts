/**
 * The reference Orders Domain primitive (spec 479 §9 EXT-WASM-02): a Connect
 * service whose CreateOrder runs each tenant's extensions at
 * BeforeCreateOrder and AfterCreateOrder, Chain of Command style.
 */
export type { CreatedOrder, CreateOrderInput } from "./create-order.js";
export { createOrder } from "./create-order.js";
export * from "./gen/ameide/examples/orders/v1/orders_pb.js";
export type { CreateOrderCommand, OrderLine } from "./order-command.js";
export { ORDER_LIMITS } from "./order-command.js";
export { ORDER_POINTS, ORDERS_DOMAIN } from "./order-points.js";
export type { OrderStore, StoredOrder } from "./order-store.js";
export type {
  BindingsSource,
  OrdersDatabase,
  OrdersServiceArgs,
  OrdersServiceArgsDeps,
  OrdersServiceEnv,
} from "./orders-service-args.js";
export {
  BINDING_ENVS,
  DEFAULT_ORDERS_DB,
  DEFAULT_ORDERS_PORT,
  ORDERS_SERVICE_HELP,
  parseOrdersServiceArgs,
} from "./orders-service-args.js";
export { createPostgresOrderStore } from "./postgres-order-store.js";
export { createSqliteOrderStore } from "./sqlite-order-store.js";
export type { OrdersServer, OrdersServerOptions } from "./start-orders-server.js";
export { startOrdersServer } from "./start-orders-server.js";
export type { OrdersService } from "./start-orders-service.js";
export { startOrdersService } from "./start-orders-service.js";
