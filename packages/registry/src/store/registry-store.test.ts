import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RevisionRecord } from "../domain/types.js";
import { STORE_BACKENDS } from "../testing/store-backends.js";
import { MIGRATIONS } from "./migrations.js";

const at = "2026-01-01T00:00:00.000Z";

function revision(version: string): RevisionRecord {
  return {
    tenantId: "acme",
    extensionId: "deal-guard",
    version,
    state: "draft",
    rowVersion: 1,
    kind: "process_hook",
    riskTier: "low",
    limits: {},
    hostCalls: [],
    description: "",
    createdBy: "user:ann",
    tags: [],
    inputSchemaJson: "",
    outputSchemaJson: "",
    baseVersion: "",
    language: "",
    sources: [],
    manifestJson: "",
    wasmBlobRef: "",
    sha256: "",
    createdAt: at,
    updatedAt: at,
  };
}

describe.each(STORE_BACKENDS)("RegistryStore on $name", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("migrates to the newest schema version, and again is a no-op", async () => {
    const store = await backend.open();
    expect(store.backend).toBe(backend.name);
    expect(store.schemaVersion).toBe(MIGRATIONS.at(-1)?.version);
    await store.close();
  });

  it("stores revisions, lists them newest first, and guards updates by row version", async () => {
    const store = await backend.open();
    await store.transaction(async (tx) => {
      await tx.insertExtension({
        tenantId: "acme",
        extensionId: "deal-guard",
        latestVersion: "1",
        createdAt: at,
      });
      await tx.insertRevision(revision("1"));
      await tx.insertRevision(revision("2"));
      await tx.insertRevision(revision("10"));
    });
    const list = await store.transaction((tx) => tx.listRevisions("acme", "deal-guard", { limit: 2 }));
    expect(list.map((r) => r.version)).toEqual(["10", "2"]);
    const rev = (await store.transaction((tx) =>
      tx.getRevision("acme", "deal-guard", "1"),
    )) as RevisionRecord;
    const updated = await store.transaction((tx) => tx.updateRevision({ ...rev, state: "in_review" }));
    expect(updated.rowVersion).toBe(2);
    // A stale copy (row version 1) loses.
    await expect(
      store.transaction((tx) => tx.updateRevision({ ...rev, state: "rejected" })),
    ).rejects.toMatchObject({
      code: "failed_precondition",
      details: { rule: "concurrent_update" },
    });
    const again = await store.transaction((tx) => tx.getRevision("acme", "deal-guard", "1"));
    expect(again?.state).toBe("in_review");
    expect(await store.transaction((tx) => tx.getRevision("acme", "deal-guard", "nope"))).toBeUndefined();
    await store.close();
  });

  it("rolls a failed transaction back", async () => {
    const store = await backend.open();
    await expect(
      store.transaction(async (tx) => {
        await tx.insertExtension({ tenantId: "acme", extensionId: "x-1", latestVersion: "1", createdAt: at });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.transaction((tx) => tx.getExtension("acme", "x-1"))).toBeUndefined();
    await store.close();
  });

  it("claims a CreateDraft request id once per tenant and principal; a later claim reads the first's record", async () => {
    const store = await backend.open();
    const request = {
      tenantId: "acme",
      principal: "user:ann",
      requestId: "req-1",
      payloadSha256: "a".repeat(64),
      extensionId: "deal-guard",
      createdAt: at,
    };
    await store.transaction(async (tx) => {
      expect(await tx.claimDraftRequest(request)).toBeUndefined();
      await tx.completeDraftRequest(request, "3");
    });
    const again = await store.transaction((tx) => tx.claimDraftRequest({ ...request, payloadSha256: "b" }));
    expect(again).toEqual({ ...request, version: "3" });
    // The key is (tenant, principal, request id): another caller or tenant claims its own.
    expect(
      await store.transaction((tx) => tx.claimDraftRequest({ ...request, principal: "user:bob" })),
    ).toBeUndefined();
    expect(
      await store.transaction((tx) => tx.claimDraftRequest({ ...request, tenantId: "globex" })),
    ).toBeUndefined();
    // A claim rolled back with its transaction leaves the id free.
    await expect(
      store.transaction(async (tx) => {
        await tx.claimDraftRequest({ ...request, requestId: "req-2" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(
      await store.transaction((tx) => tx.claimDraftRequest({ ...request, requestId: "req-2" })),
    ).toBeUndefined();
    await store.close();
  });

  it("keeps deployments, env versions, pins and an ordered, pageable event log", async () => {
    const store = await backend.open();
    await store.transaction(async (tx) => {
      await tx.setDeployment({
        tenantId: "acme",
        extensionId: "e",
        env: "dev",
        activeVersion: "1",
        updatedBy: "u",
        updatedAt: at,
      });
      await tx.setDeployment({
        tenantId: "acme",
        extensionId: "e",
        env: "dev",
        activeVersion: "2",
        updatedBy: "v",
        updatedAt: at,
      });
      await tx.addEnvVersion("acme", "e", "dev", "1", at);
      await tx.addEnvVersion("acme", "e", "dev", "2", at);
      await tx.addEnvVersion("acme", "e", "dev", "2", at);
      await tx.setPin({
        tenantId: "acme",
        extensionId: "e",
        env: "dev",
        consumerRef: "process:l2o",
        version: "1",
        pinnedBy: "u",
        pinnedAt: at,
        comment: "",
      });
      for (let i = 0; i < 5; i++)
        await tx.appendEvent({
          id: `ev-${i}`,
          type: "approved",
          tenantId: "acme",
          extensionId: "e",
          version: String(1 + (i % 2)),
          actor: "user:ann",
          time: at,
          fromState: "draft",
          toState: "draft",
          env: "dev",
          comment: `#${i}`,
          previousVersion: "",
          consumerRef: "",
          author: "user:bob",
          requestedBy: "user:bob",
          approvers: ["user:ann"],
          data: { i },
        });
    });
    const deployments = await store.transaction((tx) => tx.listDeployments("acme", "e"));
    expect(deployments).toMatchObject([{ env: "dev", activeVersion: "2", updatedBy: "v" }]);
    expect(await store.transaction((tx) => tx.listEnvVersions("dev"))).toHaveLength(2);
    expect(await store.transaction((tx) => tx.listPins("acme", "e"))).toMatchObject([
      { consumerRef: "process:l2o", version: "1" },
    ]);
    expect(await store.transaction((tx) => tx.deletePin("acme", "e", "dev", "process:l2o"))).toBe(true);
    expect(await store.transaction((tx) => tx.deletePin("acme", "e", "dev", "process:l2o"))).toBe(false);
    const first = await store.transaction((tx) => tx.listEvents("acme", "e", { limit: 3 }));
    expect(first.map((e) => e.comment)).toEqual(["#0", "#1", "#2"]);
    const rest = await store.transaction((tx) =>
      tx.listEvents("acme", "e", { limit: 3, afterSeq: first.at(-1)?.seq }),
    );
    expect(rest.map((e) => e.comment)).toEqual(["#3", "#4"]);
    const v2 = await store.transaction((tx) => tx.listEvents("acme", "e", { limit: 10, version: "2" }));
    expect(v2.map((e) => e.data)).toEqual([{ i: 1 }, { i: 3 }]);
    await store.close();
  });

  it("keeps one binding per tenant, environment, domain and point; lists them by env, domain and point", async () => {
    const store = await backend.open();
    const binding = (env: "dev" | "prod", domain: string, extensionPoint: string, version = "latest") => ({
      tenantId: "acme",
      env,
      domain,
      extensionPoint,
      extensionId: "order-guard",
      version,
      updatedBy: "user:ann",
      updatedAt: at,
      comment: "",
    });
    await store.transaction(async (tx) => {
      await tx.replaceDomainBinding(binding("prod", "orders", "BeforeCreateOrder", "2"));
      expect(await tx.replaceDomainBinding(binding("dev", "orders", "BeforeCreateOrder"))).toBeUndefined();
      await tx.replaceDomainBinding(binding("dev", "invoices", "AfterPostInvoice"));
      // Replaces the point's binding (one row per point), and returns the one it replaced.
      expect(
        await tx.replaceDomainBinding({
          ...binding("dev", "orders", "BeforeCreateOrder", "3"),
          comment: "pin 3",
        }),
      ).toMatchObject({ version: "latest", extensionId: "order-guard" });
      await tx.replaceDomainBinding({ ...binding("dev", "orders", "BeforeCreateOrder"), tenantId: "globex" });
    });
    const all = await store.transaction((tx) => tx.listDomainBindings("acme", {}));
    expect(all.map((b) => [b.env, b.domain, b.extensionPoint, b.version])).toEqual([
      ["dev", "invoices", "AfterPostInvoice", "latest"],
      ["dev", "orders", "BeforeCreateOrder", "3"],
      ["prod", "orders", "BeforeCreateOrder", "2"],
    ]);
    expect(all[1]).toMatchObject({ comment: "pin 3", extensionId: "order-guard", updatedBy: "user:ann" });
    const devOrders = await store.transaction((tx) =>
      tx.listDomainBindings("acme", { env: "dev", domain: "orders" }),
    );
    expect(devOrders.map((b) => b.version)).toEqual(["3"]);
    expect(
      (await store.transaction((tx) => tx.listDomainBindings("acme", { domain: "orders" }))).length,
    ).toBe(2);
    const key = {
      tenantId: "acme",
      env: "dev" as const,
      domain: "orders",
      extensionPoint: "BeforeCreateOrder",
    };
    expect(await store.transaction((tx) => tx.getDomainBinding(key, true))).toMatchObject({ version: "3" });
    expect(await store.transaction((tx) => tx.deleteDomainBinding(key))).toMatchObject({ version: "3" });
    expect(await store.transaction((tx) => tx.deleteDomainBinding(key))).toBeUndefined();
    expect(await store.transaction((tx) => tx.getDomainBinding(key))).toBeUndefined();
    expect(await store.transaction((tx) => tx.listDomainBindings("globex", {}))).toHaveLength(1);
    await store.close();
  });
});
