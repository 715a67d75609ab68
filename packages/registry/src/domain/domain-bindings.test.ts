import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RegistryStore } from "../store/registry-store.js";
import { STORE_BACKENDS } from "../testing/store-backends.js";
import { createRegistry } from "./create-registry.js";
import { MAX_BINDING_COMMENT_CHARS, MAX_DOMAIN_BINDINGS_PER_ENV } from "./domain-bindings.js";
import type { Caller, CompileOutcome, Registry } from "./registry.js";
import type { RevisionRecord } from "./types.js";

const T = "acme";
const ann: Caller = { actor: "user:ann", tenants: [T] };
const bob: Caller = { actor: "user:bob", tenants: [T] };
const bot: Caller = { actor: "agent:orders-copilot", tenants: [T] };
const stranger: Caller = { actor: "user:eve", tenants: ["globex"] };

/** A compiler standing in for the worker: every compile succeeds, its one fixture well within limits. */
async function compiler(rev: RevisionRecord): Promise<CompileOutcome> {
  return {
    record: {
      status: "succeeded",
      toolchain: "fake",
      diagnostics: [],
      tests: [
        {
          name: "a",
          passed: true,
          message: "",
          inputJson: "{}",
          outputJson: "{}",
          durationUs: 1,
          maxLimitRatio: 0.1,
        },
      ],
      moduleBytes: 10,
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T00:00:01.000Z",
    },
    wasmBlobRef: `extensions/${rev.tenantId}/${rev.extensionId}/${rev.version}.wasm#sha256=${"a".repeat(64)}`,
    sha256: "a".repeat(64),
  };
}

const point = { tenantId: T, env: "dev" as const, domain: "orders", extensionPoint: "BeforeCreateOrder" };

describe.each(STORE_BACKENDS)("domain bindings on $name", (backend) => {
  let store: RegistryStore;
  let registry: Registry;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await registry?.idle();
    await store?.close();
  });

  async function open() {
    store = await backend.open();
    registry = createRegistry({ store, compiler });
  }

  /** A low-risk version of `id`, compiled: promoted to dev by the rules. */
  async function promotedToDev(id = "order-guard", kind: "domain_hook" | "process_hook" = "domain_hook") {
    const draft = await registry.createDraft(ann, { tenantId: T, extensionId: id, kind, riskTier: "low" });
    const key = { tenantId: T, extensionId: id, version: draft.revision.version };
    const files = [{ path: "src/index.ts", contentBase64: Buffer.from("x").toString("base64") }];
    await registry.uploadSource(ann, { ...key, language: "assemblyscript", files, manifestJson: "{}" });
    await registry.requestCompile(ann, key);
    await registry.idle();
    return key;
  }

  const eventsOf = async (extensionId: string) =>
    (await registry.listEvents(ann, { tenantId: T, extensionId })).events.filter((e) =>
      e.type.startsWith("domain_"),
    );

  it("binds a point to latest or to a version promoted there, rebinds it, and records domain_bound", async () => {
    await open();
    await promotedToDev();
    const latest = await registry.setDomainBinding(ann, { ...point, extensionId: "order-guard" });
    expect(latest).toMatchObject({
      ...point,
      extensionId: "order-guard",
      version: "latest",
      updatedBy: "user:ann",
    });
    await promotedToDev();
    const exact = await registry.setDomainBinding(bob, {
      ...point,
      extensionId: "order-guard",
      version: "1",
      comment: "hold v1 for the audit",
    });
    expect(exact).toMatchObject({ version: "1", updatedBy: "user:bob", comment: "hold v1 for the audit" });
    expect(await registry.listDomainBindings(ann, { tenantId: T })).toEqual([exact]);
    expect(await eventsOf("order-guard")).toMatchObject([
      {
        type: "domain_bound",
        version: "latest",
        actor: "user:ann",
        env: "dev",
        consumerRef: "domain:orders/BeforeCreateOrder",
      },
      { type: "domain_bound", version: "1", actor: "user:bob", comment: "hold v1 for the audit" },
    ]);
  });

  it("refuses a version not promoted to the env, and latest where none is active (failed_precondition)", async () => {
    await open();
    await promotedToDev();
    for (const [env, version] of [
      ["dev", "2"],
      ["dev", "99"],
      ["staging", "1"],
      ["staging", "latest"],
      ["prod", ""],
    ] as const)
      await expect(
        registry.setDomainBinding(ann, { ...point, env, extensionId: "order-guard", version }),
        `${env} ${version}`,
      ).rejects.toMatchObject({ code: "failed_precondition", details: { rule: "not_promoted_to_env" } });
    expect(await registry.listDomainBindings(ann, { tenantId: T })).toEqual([]);
  });

  it("refuses an unknown extension (not_found) and one that is not a domain_hook (invalid_argument)", async () => {
    await open();
    await promotedToDev("deal-guard", "process_hook");
    await expect(
      registry.setDomainBinding(ann, { ...point, extensionId: "no-such-hook" }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      registry.setDomainBinding(ann, { ...point, extensionId: "deal-guard" }),
    ).rejects.toMatchObject({
      code: "invalid_argument",
    });
  });

  it("refuses hostile domain, point and version values with invalid_argument, and stores nothing", async () => {
    await open();
    await promotedToDev();
    const hostile: Array<Partial<typeof point> & { version?: string; extensionId?: string }> = [
      { domain: "" },
      { domain: "Orders" },
      { domain: "orders/BeforeCreateOrder" },
      { domain: "-orders" },
      { domain: "orders\u0000" },
      { domain: "ördérs" },
      { domain: "o".repeat(64) },
      { extensionPoint: "" },
      { extensionPoint: "1Before" },
      { extensionPoint: "Before-Create" },
      { extensionPoint: "Before Create" },
      { extensionPoint: "B".repeat(129) },
      { version: "v1" },
      { version: "1; DROP TABLE domain_bindings" },
      { version: "0" },
      { extensionId: "" },
    ];
    for (const h of hostile)
      await expect(
        registry.setDomainBinding(ann, { ...point, extensionId: "order-guard", ...h }),
        JSON.stringify(h),
      ).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(
      registry.setDomainBinding(ann, { ...point, env: "qa" as "dev", extensionId: "order-guard" }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(registry.listDomainBindings(ann, { tenantId: T, domain: "Orders" })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(registry.clearDomainBinding(ann, { ...point, extensionPoint: "x y" })).rejects.toMatchObject(
      {
        code: "invalid_argument",
      },
    );
    expect(await registry.listDomainBindings(ann, { tenantId: T })).toEqual([]);
  });

  it("refuses a comment over MAX_BINDING_COMMENT_CHARS (every domain's refresh would read it back), storing nothing", async () => {
    await open();
    await promotedToDev();
    const comment = "x".repeat(MAX_BINDING_COMMENT_CHARS + 1);
    await expect(
      registry.setDomainBinding(ann, { ...point, extensionId: "order-guard", comment }),
    ).rejects.toMatchObject({ code: "invalid_argument", details: { limit: MAX_BINDING_COMMENT_CHARS } });
    expect(await registry.listDomainBindings(ann, { tenantId: T })).toEqual([]);
    await registry.setDomainBinding(ann, { ...point, extensionId: "order-guard", comment: "ok" });
    await expect(registry.clearDomainBinding(ann, { ...point, comment })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    expect(await registry.listDomainBindings(ann, { tenantId: T })).toHaveLength(1);
  });

  it("refuses a new point past MAX_DOMAIN_BINDINGS_PER_ENV bindings of a tenant in an env (resource_exhausted); rebinding one goes on", async () => {
    await open();
    await promotedToDev();
    for (let i = 0; i < MAX_DOMAIN_BINDINGS_PER_ENV; i++)
      await registry.setDomainBinding(ann, { ...point, extensionPoint: `P${i}`, extensionId: "order-guard" });
    await expect(
      registry.setDomainBinding(ann, { ...point, extensionPoint: "OneTooMany", extensionId: "order-guard" }),
    ).rejects.toMatchObject({ code: "resource_exhausted", details: { limit: MAX_DOMAIN_BINDINGS_PER_ENV } });
    await registry.setDomainBinding(ann, {
      ...point,
      extensionPoint: "P0",
      extensionId: "order-guard",
      version: "1",
    });
    expect(await registry.listDomainBindings(ann, { tenantId: T, env: "dev" })).toHaveLength(
      MAX_DOMAIN_BINDINGS_PER_ENV,
    );
  }, 60_000);

  it("refuses another tenant's caller (permission_denied, tenant_access) on each RPC", async () => {
    await open();
    await promotedToDev();
    const refused = { code: "permission_denied", details: { rule: "tenant_access" } };
    await expect(
      registry.setDomainBinding(stranger, { ...point, extensionId: "order-guard" }),
    ).rejects.toMatchObject(refused);
    await expect(registry.listDomainBindings(stranger, { tenantId: T })).rejects.toMatchObject(refused);
    await expect(registry.clearDomainBinding(stranger, point)).rejects.toMatchObject(refused);
  });

  it("lets an agent bind in dev only (agent_cannot_rollback), like rollbacks and pins", async () => {
    await open();
    await promotedToDev();
    expect(await registry.setDomainBinding(bot, { ...point, extensionId: "order-guard" })).toMatchObject({
      updatedBy: "agent:orders-copilot",
    });
    await expect(
      registry.setDomainBinding(bot, { ...point, env: "prod", extensionId: "order-guard" }),
    ).rejects.toMatchObject({ code: "permission_denied", details: { rule: "agent_cannot_rollback" } });
    await expect(registry.clearDomainBinding(bot, { ...point, env: "prod" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_cannot_rollback" },
    });
  });

  it("rebinding to another extension records domain_unbound on the one it replaces", async () => {
    await open();
    await promotedToDev("order-guard");
    await promotedToDev("order-guard-v2");
    await registry.setDomainBinding(ann, { ...point, extensionId: "order-guard" });
    await registry.setDomainBinding(bob, { ...point, extensionId: "order-guard-v2", comment: "new rules" });
    expect(await eventsOf("order-guard")).toMatchObject([
      { type: "domain_bound" },
      {
        type: "domain_unbound",
        version: "latest",
        actor: "user:bob",
        consumerRef: "domain:orders/BeforeCreateOrder",
        comment: "new rules",
      },
    ]);
    expect(await eventsOf("order-guard-v2")).toMatchObject([{ type: "domain_bound", actor: "user:bob" }]);
  });

  it("clears a point (domain_unbound, the binding returned) and refuses clearing one that has none (not_found)", async () => {
    await open();
    await promotedToDev();
    const bound = await registry.setDomainBinding(ann, { ...point, extensionId: "order-guard" });
    const cleared = await registry.clearDomainBinding(bob, { ...point, comment: "tenant left the pilot" });
    expect(cleared).toEqual(bound);
    expect(await registry.listDomainBindings(ann, { tenantId: T })).toEqual([]);
    expect((await eventsOf("order-guard")).at(-1)).toMatchObject({
      type: "domain_unbound",
      actor: "user:bob",
      env: "dev",
      consumerRef: "domain:orders/BeforeCreateOrder",
      comment: "tenant left the pilot",
    });
    await expect(registry.clearDomainBinding(ann, point)).rejects.toMatchObject({ code: "not_found" });
  });

  it("lists by environment (dev, staging, prod), domain and point, filtered by env and domain", async () => {
    await open();
    const key = await promotedToDev();
    await registry.requestPromotion(ann, { ...key, env: "staging" });
    await registry.approve(bob, { ...key, env: "staging" });
    const bind = (env: "dev" | "staging", domain: string, extensionPoint: string) =>
      registry.setDomainBinding(ann, {
        tenantId: T,
        env,
        domain,
        extensionPoint,
        extensionId: "order-guard",
      });
    await bind("staging", "orders", "BeforeCreateOrder");
    await bind("dev", "orders", "BeforeCreateOrder");
    await bind("dev", "invoices", "AfterPostInvoice");
    const all = await registry.listDomainBindings(ann, { tenantId: T });
    expect(all.map((b) => `${b.env} ${b.domain}/${b.extensionPoint}`)).toEqual([
      "dev invoices/AfterPostInvoice",
      "dev orders/BeforeCreateOrder",
      "staging orders/BeforeCreateOrder",
    ]);
    expect((await registry.listDomainBindings(ann, { tenantId: T, env: "staging" })).length).toBe(1);
    expect((await registry.listDomainBindings(ann, { tenantId: T, domain: "orders" })).length).toBe(2);
  });

  it("two first bindings of one point at once: one wins, and the other's extension gets its domain_unbound", async () => {
    await open();
    await promotedToDev("order-guard");
    await promotedToDev("order-guard-v2");
    for (let round = 0; round < 5; round++) {
      const p = { ...point, extensionPoint: `BeforeCreateOrder${round}` };
      await Promise.all([
        registry.setDomainBinding(ann, { ...p, extensionId: "order-guard" }),
        registry.setDomainBinding(bob, { ...p, extensionId: "order-guard-v2" }),
      ]);
      const [won] = await registry
        .listDomainBindings(ann, { tenantId: T, env: "dev", domain: "orders" })
        .then((all) => all.filter((b) => b.extensionPoint === p.extensionPoint));
      const lost = won?.extensionId === "order-guard" ? "order-guard-v2" : "order-guard";
      const ref = `domain:orders/${p.extensionPoint}`;
      const types = async (id: string) =>
        (await eventsOf(id)).filter((e) => e.consumerRef === ref).map((e) => e.type);
      expect(await types(won?.extensionId ?? ""), `round ${round}`).toEqual(["domain_bound"]);
      expect(await types(lost), `round ${round}`).toEqual(["domain_bound", "domain_unbound"]);
    }
  });
});
