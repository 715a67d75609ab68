import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ExtensionService } from "@ameide-ext/proto";
import { createRouterTransport } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import {
  BINDINGS_READ_MAX_BYTES,
  BINDINGS_REFRESH_BOUNDS,
  createRegistryConfigStore,
  DEFAULT_BINDINGS_MAX_TENANTS,
} from "./registry-config-store.js";

/** A unit-test registry: every tenant has one binding; the tenants read, in order. */
function fakeRegistry() {
  const reads: string[] = [];
  const transport = createRouterTransport(({ service }) =>
    service(ExtensionService, {
      listDomainBindings(req: { tenantId: string }) {
        reads.push(req.tenantId);
        return {
          bindings: [
            {
              tenantId: req.tenantId,
              domain: "orders",
              extensionPoint: "BeforeCreateOrder",
              config: { extensionId: "order-guard", version: "2" },
            },
          ],
        };
      },
    } as never),
  );
  return { transport, reads };
}

describe("createRegistryConfigStore()", () => {
  const base = { baseUrl: "http://127.0.0.1:1", env: "dev" as const };

  it("refuses bad options when it is built (invalid_argument), before any read", () => {
    const bad: Array<Record<string, unknown>> = [
      { env: "qa" },
      { env: undefined },
      { baseUrl: undefined },
      { refreshMs: BINDINGS_REFRESH_BOUNDS.min - 1 },
      { refreshMs: BINDINGS_REFRESH_BOUNDS.max + 1 },
      { refreshMs: 1.5 },
      { timeoutMs: 0 },
      { domain: "Orders" },
      { domain: "orders/BeforeCreateOrder" },
      { maxTenants: 0 },
      { maxTenants: 1.5 },
    ];
    for (const b of bad)
      expect(() => createRegistryConfigStore({ ...base, ...b } as never), JSON.stringify(b)).toThrow(
        expect.objectContaining({ code: "invalid_argument" }),
      );
  });

  it("builds with the defaults, and close() stops its timer", () => {
    const store = createRegistryConfigStore(base);
    store.close();
  });

  it("keeps at most maxTenants tenants (the least recently used is dropped), so random tenant ids cannot grow it nor its refresh", async () => {
    expect(DEFAULT_BINDINGS_MAX_TENANTS).toBe(10_000);
    const { transport, reads } = fakeRegistry();
    const store = createRegistryConfigStore({ transport, env: "prod", maxTenants: 2 });
    for (let i = 0; i < 50; i++) await store.get(`t-${i}`, "orders", "BeforeCreateOrder");
    reads.length = 0;
    await store.refresh();
    expect(reads.sort()).toEqual(["t-48", "t-49"]);
    reads.length = 0;
    await expect(store.get("t-49", "orders", "BeforeCreateOrder")).resolves.toEqual({
      extensionId: "order-guard",
      version: "2",
    });
    expect(reads).toEqual([]);
    await expect(store.get("t-0", "orders", "BeforeCreateOrder")).resolves.toMatchObject({
      extensionId: "order-guard",
    });
    expect(reads).toEqual(["t-0"]);
    reads.length = 0;
    await store.refresh();
    expect(reads.sort()).toEqual(["t-0", "t-49"]);
    store.close();
  });

  it("reads at most BINDINGS_READ_MAX_BYTES of one answer over baseUrl: a larger one is unavailable, not megabytes held", async () => {
    const updatedBy = `user:${"c".repeat(10_000)}`;
    const bindings = Array.from(
      { length: Math.ceil(BINDINGS_READ_MAX_BYTES / updatedBy.length) + 1 },
      (_, i) => ({
        tenantId: "acme",
        domain: "orders",
        extensionPoint: `P${i}`,
        config: { extensionId: "order-guard", version: "1" },
        updatedBy,
      }),
    );
    const server: Server = createServer(
      connectNodeAdapter({
        routes: (router) =>
          router.service(ExtensionService, { listDomainBindings: () => ({ bindings }) } as never),
      }),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const store = createRegistryConfigStore({ baseUrl, env: "prod" });
    try {
      await expect(store.get("acme", "orders", "P0")).rejects.toMatchObject({
        code: "unavailable",
        details: { cause: "resource_exhausted" },
      });
    } finally {
      store.close();
      await new Promise((r) => server.close(r));
    }
  });
});
