// The registry config store against a real Transformation registry started by the test (HTTP, SQLite,
// the compile worker building the AssemblyScript domain_hook template), bindings set over its RPCs.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Environment, ExtensionService } from "@ameide-ext/proto";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDocsExample } from "../testing/docs-example.js";
import { startTestRegistry, type TestRegistry } from "../testing/registry-server.js";
import { type BindingsRefreshError, createRegistryConfigStore } from "./registry-config-store.js";

const point = {
  tenantId: "acme",
  env: Environment.DEV,
  domain: "orders",
  extensionPoint: "BeforeCreateOrder",
};

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe("createRegistryConfigStore() against a registry service", () => {
  let dir: string;
  let registry: TestRegistry;
  let admin: Client<typeof ExtensionService>;
  let headers: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-sdk-bindings-"));
    registry = await startTestRegistry(dir);
    await registry.promoteTemplateToDev();
    admin = createClient(
      ExtensionService,
      createConnectTransport({ baseUrl: registry.url, httpVersion: "1.1" }),
    );
    headers = { authorization: `Bearer ${registry.token}` };
  }, 180_000);

  afterAll(async () => {
    await registry?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a tenant's bindings of its env, and sees a change after a refresh", async () => {
    await admin.setDomainBinding({ ...point, extensionId: "order-validation" }, { headers });
    const store = createRegistryConfigStore({
      baseUrl: registry.url,
      token: () => registry.token,
      env: "dev",
      refreshMs: 60_000,
    });
    try {
      expect(await store.get("acme", "orders", "BeforeCreateOrder")).toEqual({
        extensionId: "order-validation",
        version: "latest",
      });
      expect(await store.get("acme", "orders", "AfterCreateOrder")).toBeUndefined();
      await admin.setDomainBinding({ ...point, extensionId: "order-validation", version: "1" }, { headers });
      // Cached until the next read.
      expect((await store.get("acme", "orders", "BeforeCreateOrder"))?.version).toBe("latest");
      await store.refresh();
      expect((await store.get("acme", "orders", "BeforeCreateOrder"))?.version).toBe("1");
      await admin.clearDomainBinding(point, { headers });
      await store.refresh();
      expect(await store.get("acme", "orders", "BeforeCreateOrder")).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it("refreshes in the background every refreshMs", async () => {
    const store = createRegistryConfigStore({
      baseUrl: registry.url,
      token: () => registry.token,
      env: "dev",
      domain: "orders",
      refreshMs: 100,
    });
    try {
      expect(await store.get("acme", "orders", "BeforeCreateOrder")).toBeUndefined();
      await admin.setDomainBinding({ ...point, extensionId: "order-validation" }, { headers });
      await expect
        .poll(() => store.get("acme", "orders", "BeforeCreateOrder"), { timeout: 5_000, interval: 50 })
        .toEqual({ extensionId: "order-validation", version: "latest" });
    } finally {
      store.close();
    }
  });

  it("shares one read among concurrent first gets, over a transport of the caller's; load() reads up front", async () => {
    let reads = 0;
    const transport = createConnectTransport({
      baseUrl: registry.url,
      httpVersion: "1.1",
      interceptors: [
        (next) => async (req) => {
          reads++;
          req.header.set("authorization", `Bearer ${registry.token}`);
          return next(req);
        },
      ],
    });
    const store = createRegistryConfigStore({ transport, env: "dev", refreshMs: 60_000 });
    try {
      await Promise.all([1, 2, 3].map(() => store.get("acme", "orders", "BeforeCreateOrder")));
      expect(reads).toBe(1);
      await store.get("acme", "orders", "AfterCreateOrder");
      expect(reads).toBe(1);
      const other = createRegistryConfigStore({ transport, env: "dev", refreshMs: 60_000 });
      await other.load(["acme"]);
      expect(reads).toBe(2);
      await other.get("acme", "orders", "BeforeCreateOrder");
      expect(reads).toBe(2);
      other.close();
    } finally {
      store.close();
    }
  });

  it("a failed first read is unavailable; a token for another tenant keeps permission_denied", async () => {
    const down = createRegistryConfigStore({
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      env: "dev",
      timeoutMs: 2_000,
    });
    await expect(down.get("acme", "orders", "BeforeCreateOrder")).rejects.toMatchObject({
      code: "unavailable",
    });
    down.close();
    const foreign = createRegistryConfigStore({
      baseUrl: registry.url,
      token: () => registry.token,
      env: "dev",
    });
    await expect(foreign.get("globex", "orders", "BeforeCreateOrder")).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "tenant_access" },
    });
    foreign.close();
  });

  it("the docs' example reads its bindings from the registry (docs/sdk/bindings.md)", async () => {
    process.env.AMEIDE_REGISTRY_URL = registry.url;
    process.env.AMEIDE_TOKEN = registry.token;
    await admin.setDomainBinding({ ...point, extensionId: "order-validation" }, { headers });
    try {
      const mod = await runDocsExample("bindings", "registry");
      expect(mod.binding).toEqual({ extensionId: "order-validation", version: "latest" });
    } finally {
      delete process.env.AMEIDE_REGISTRY_URL;
      delete process.env.AMEIDE_TOKEN;
    }
  });

  // Last: it stops the registry.
  it("keeps the last good bindings when a refresh fails, and says so", async () => {
    await admin.setDomainBinding({ ...point, extensionId: "order-validation" }, { headers });
    const failures: BindingsRefreshError[] = [];
    const store = createRegistryConfigStore({
      baseUrl: registry.url,
      token: () => registry.token,
      env: "dev",
      refreshMs: 60_000,
      timeoutMs: 2_000,
      onRefreshError: (e) => failures.push(e),
    });
    try {
      const before = await store.get("acme", "orders", "BeforeCreateOrder");
      expect(before).toEqual({ extensionId: "order-validation", version: "latest" });
      await registry.close();
      await store.refresh();
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ tenantId: "acme", error: { code: "unavailable" } });
      expect(failures[0]?.lastLoadedAt).toBeGreaterThan(0);
      expect(await store.get("acme", "orders", "BeforeCreateOrder")).toEqual(before);
    } finally {
      store.close();
    }
  });
});
