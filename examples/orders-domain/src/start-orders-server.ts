import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createDomainExtensions,
  type DomainExtensionConfigStore,
  type FailOpenEvent,
  type RuntimeClient,
} from "@ameide-ext/sdk";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ORDERS_DOMAIN } from "./order-points.js";
import { orderRoutes } from "./order-routes.js";
import type { OrderStore } from "./order-store.js";

/** What {@link startOrdersServer} needs. */
export interface OrdersServerOptions {
  /** Where orders are stored. */
  store: OrderStore;
  /** The runtime the extensions run in. */
  runtime: RuntimeClient;
  /** Which extension each tenant bound to each point. */
  configs: DomainExtensionConfigStore;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Hears a hook failure a fail_open point let through. Default: a warning on stderr. */
  onFailOpen?: ((event: FailOpenEvent) => void) | undefined;
}

/** A running Orders service. */
export interface OrdersServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Hook failures that fail_open points let through. */
  readonly failedOpen: number;
  /** Stops taking requests and closes the store. */
  close(): Promise<void>;
}

/** Serves `ameide.examples.orders.v1.OrderService` over Connect, gRPC and gRPC-Web on loopback. */
export async function startOrdersServer(options: OrdersServerOptions): Promise<OrdersServer> {
  const extensions = createDomainExtensions({
    client: options.runtime,
    domain: ORDERS_DOMAIN,
    configs: options.configs,
    onFailOpen: options.onFailOpen,
  });
  const handler = connectNodeAdapter({
    routes: orderRoutes(options.store, extensions),
    readMaxBytes: 256 * 1024, // 200 lines are far below it; a bigger body is refused before it is decoded
  });
  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get failedOpen() {
      return extensions.failedOpen;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await options.store.close();
    },
  };
}
