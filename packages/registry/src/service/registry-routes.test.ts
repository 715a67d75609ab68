import { ERROR_DETAILS_HEADER } from "@ameide-ext/contract";
import {
  Environment,
  ExtensionEventType,
  ExtensionKind,
  ExtensionService,
  LifecycleState,
  RiskTier,
  SourceLanguage,
} from "@ameide-ext/proto";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { createAuthenticator } from "./create-authenticator.js";
import { registryRoutes } from "./registry-routes.js";

const sha = "c".repeat(64);

describe("registryRoutes()", () => {
  let store: RegistryStore;
  afterEach(() => store?.close());

  async function clients() {
    store = await openRegistryStore(":memory:");
    const registry = createRegistry({
      store,
      compiler: async (rev) => ({
        record: {
          status: "succeeded",
          toolchain: "assemblyscript@test",
          diagnostics: [],
          tests: [
            {
              name: "a",
              passed: true,
              message: "",
              inputJson: "{}",
              outputJson: "{}",
              durationUs: 5,
              maxLimitRatio: 0.01,
            },
          ],
          moduleBytes: 10,
          startedAt: new Date().toISOString(),
          finishedAt: new Date().toISOString(),
        },
        wasmBlobRef: `extensions/${rev.tenantId}/${rev.extensionId}/${rev.version}.wasm#sha256=${sha}`,
        sha256: sha,
      }),
      reviewersOf: (tenant) => (tenant === "acme" ? ["user:ann", "user:bob"] : []),
    });
    const authenticate = createAuthenticator({
      tokens: [
        { token: "ann-token-0123456789", identity: "user:ann", tenants: ["acme"] },
        { token: "bob-token-0123456789", identity: "user:bob", tenants: ["acme"] },
      ],
    });
    const transport = createRouterTransport(registryRoutes(registry, authenticate));
    const as = (token: string) => {
      const client = createClient(ExtensionService, transport);
      const headers = token ? { authorization: `Bearer ${token}` } : undefined;
      return { client, headers, registry };
    };
    return { ann: as("ann-token-0123456789"), bob: as("bob-token-0123456789"), anon: as(""), registry };
  }

  it("serves every RPC of ExtensionService", async () => {
    const { ann, bob, registry } = await clients();
    const key = { tenantId: "acme", extensionId: "risk-score" };
    const opts = { headers: ann.headers };
    const created = await ann.client.createDraft(
      {
        ...key,
        kind: ExtensionKind.AGENT_TOOL,
        riskTier: RiskTier.MEDIUM,
        metadata: { description: "risk", tags: ["l2o"] },
      },
      opts,
    );
    expect(created.revision?.definition).toMatchObject({
      version: "1",
      state: LifecycleState.DRAFT,
      metadata: { createdBy: "user:ann" },
    });
    const vkey = { ...key, version: "1" };
    await ann.client.uploadSource(
      {
        ...vkey,
        language: SourceLanguage.ASSEMBLYSCRIPT,
        files: [{ path: "src/index.ts", content: new TextEncoder().encode("x") }],
        manifestJson: "{}",
      },
      opts,
    );
    const compiling = await ann.client.requestCompile(vkey, opts);
    expect(compiling.revision?.compileResult?.status).toBe(1);
    await registry.idle();
    const got = await ann.client.getExtension({ ...vkey, includeSources: true }, opts);
    expect(got.revision?.sources.map((s) => s.path)).toEqual(["src/index.ts"]);
    expect(got.revision?.definition?.wasmBlobRef).toContain("#sha256=");
    expect(got.revision?.compileResult?.testResults[0]?.maxLimitRatio).toBeCloseTo(0.01);
    const promo = await ann.client.requestPromotion(
      { ...vkey, targetEnv: Environment.DEV, comment: "pls" },
      opts,
    );
    expect(promo.revision?.pendingPromotion).toMatchObject({
      targetEnv: Environment.DEV,
      approvalsRequired: 1,
      requestedBy: "user:ann",
      approvers: [],
      excludedApprovers: ["user:ann"],
      eligibleApprovers: ["user:bob"],
    });
    const approved = await bob.client.approve(
      { ...vkey, env: Environment.DEV, comment: "ok" },
      { headers: bob.headers },
    );
    expect(approved.revision?.definition?.state).toBe(LifecycleState.PROMOTED_DEV);
    await ann.client.requestPromotion({ ...vkey, targetEnv: Environment.STAGING }, opts);
    const rejected = await bob.client.reject(
      { ...vkey, env: Environment.STAGING, comment: "not yet" },
      { headers: bob.headers },
    );
    expect(rejected.revision?.definition?.state).toBe(LifecycleState.PROMOTED_DEV);
    const pinned = await ann.client.pin(
      { ...key, env: Environment.DEV, consumerRef: "agent:l2o", version: "1" },
      opts,
    );
    expect(pinned.extension?.pins[0]).toMatchObject({
      consumerRef: "agent:l2o",
      version: "1",
      pinnedBy: "user:ann",
    });
    const versions = await ann.client.listVersions(key, opts);
    expect(versions.revisions.map((r) => r.definition?.version)).toEqual(["1"]);
    const events = await ann.client.listEvents({ ...key, pageSize: 3 }, opts);
    expect(events.events).toHaveLength(3);
    const rest = await ann.client.listEvents({ ...key, pageToken: events.nextPageToken }, opts);
    const promoted = rest.events.find((e) => e.type === ExtensionEventType.VERSION_PROMOTED);
    expect(promoted).toMatchObject({
      actor: "user:bob",
      env: Environment.DEV,
      definition: { wasmBlobRef: expect.stringContaining(sha) },
      author: "user:ann",
      requestedBy: "user:ann",
      approvers: ["user:bob"],
    });
    await expect(
      ann.client.rollback({ ...key, env: Environment.DEV, toVersion: "1", comment: "x" }, opts),
    ).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
  });

  it("refuses a call without credentials as unauthenticated, and names the rule of a refusal in a header", async () => {
    const { anon, ann } = await clients();
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error("expected a refusal");
        },
        (e: unknown) => ConnectError.from(e),
      );
    const err = await refusal(anon.client.getExtension({ tenantId: "acme", extensionId: "x" }));
    expect(err.code).toBe(Code.Unauthenticated);
    const other = await refusal(
      ann.client.getExtension({ tenantId: "globex", extensionId: "x" }, { headers: ann.headers }),
    );
    expect(other.code).toBe(Code.PermissionDenied);
    expect(JSON.parse(other.metadata.get(ERROR_DETAILS_HEADER) ?? "{}")).toMatchObject({
      rule: "tenant_access",
    });
  });
  it("answers a replayed CreateDraft (same request_id) with the same version, and names request_id_reused", async () => {
    const { ann } = await clients();
    const opts = { headers: ann.headers };
    const request = {
      tenantId: "acme",
      extensionId: "risk-score",
      kind: ExtensionKind.PROCESS_HOOK,
      riskTier: RiskTier.LOW,
      limits: { cpuMillis: 50 },
      requestId: "0f6d3f5e-7e0b-4d53-8d63-54b3a6f1c0a9",
    };
    const first = await ann.client.createDraft(request, opts);
    const replay = await ann.client.createDraft(request, opts);
    expect(replay.revision?.definition?.version).toBe(first.revision?.definition?.version);
    const versions = await ann.client.listVersions({ tenantId: "acme", extensionId: "risk-score" }, opts);
    expect(versions.revisions).toHaveLength(1);
    const err = await ann.client.createDraft({ ...request, riskTier: RiskTier.MEDIUM }, opts).then(
      () => {
        throw new Error("expected a refusal");
      },
      (e: unknown) => ConnectError.from(e),
    );
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(JSON.parse(err.metadata.get(ERROR_DETAILS_HEADER) ?? "{}")).toMatchObject({
      rule: "request_id_reused",
      version: "1",
    });
    const next = await ann.client.createDraft({ ...request, requestId: "another-id" }, opts);
    expect(next.revision?.definition?.version).toBe("2");
  });

  it("serves SetDomainBinding, ListDomainBindings and ClearDomainBinding, with their events and coded refusals", async () => {
    const { ann, registry } = await clients();
    const opts = { headers: ann.headers };
    const key = { tenantId: "acme", extensionId: "order-guard" };
    await ann.client.createDraft({ ...key, kind: ExtensionKind.DOMAIN_HOOK, riskTier: RiskTier.LOW }, opts);
    await ann.client.uploadSource(
      {
        ...key,
        version: "1",
        language: SourceLanguage.ASSEMBLYSCRIPT,
        files: [{ path: "src/index.ts", content: new TextEncoder().encode("x") }],
        manifestJson: "{}",
      },
      opts,
    );
    await ann.client.requestCompile({ ...key, version: "1" }, opts);
    await registry.idle();
    const point = {
      tenantId: "acme",
      env: Environment.DEV,
      domain: "orders",
      extensionPoint: "BeforeCreateOrder",
    };
    const set = await ann.client.setDomainBinding(
      { ...point, extensionId: "order-guard", comment: "pilot" },
      opts,
    );
    expect(set.binding).toMatchObject({
      ...point,
      config: { extensionId: "order-guard", version: "latest" },
      updatedBy: "user:ann",
    });
    expect(set.binding?.updatedAt).toBeDefined();
    const all = await ann.client.listDomainBindings({ tenantId: "acme" }, opts);
    expect(all.bindings.map((b) => b.extensionPoint)).toEqual(["BeforeCreateOrder"]);
    const none = await ann.client.listDomainBindings({ tenantId: "acme", env: Environment.PROD }, opts);
    expect(none.bindings).toEqual([]);
    const cleared = await ann.client.clearDomainBinding(point, opts);
    expect(cleared.binding?.config).toMatchObject({ extensionId: "order-guard", version: "latest" });
    const events = await ann.client.listEvents(key, opts);
    expect(
      events.events.filter((e) => e.consumerRef !== "").map((e) => [e.type, e.consumerRef, e.env, e.actor]),
    ).toEqual([
      [ExtensionEventType.DOMAIN_BOUND, "domain:orders/BeforeCreateOrder", Environment.DEV, "user:ann"],
      [ExtensionEventType.DOMAIN_UNBOUND, "domain:orders/BeforeCreateOrder", Environment.DEV, "user:ann"],
    ]);
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: unknown) => Code[ConnectError.from(e).code],
      );
    expect(await codeOf(ann.client.clearDomainBinding(point, opts))).toBe("NotFound");
    expect(
      await codeOf(
        ann.client.setDomainBinding(
          { ...point, env: Environment.UNSPECIFIED, extensionId: "order-guard" },
          opts,
        ),
      ),
    ).toBe("InvalidArgument");
    expect(
      await codeOf(
        ann.client.setDomainBinding({ ...point, domain: "Orders!", extensionId: "order-guard" }, opts),
      ),
    ).toBe("InvalidArgument");
    expect(
      await codeOf(
        ann.client.setDomainBinding({ ...point, env: Environment.PROD, extensionId: "order-guard" }, opts),
      ),
    ).toBe("FailedPrecondition");
    expect(await codeOf(ann.client.listDomainBindings({ tenantId: "globex" }, opts))).toBe(
      "PermissionDenied",
    );
  });
});
