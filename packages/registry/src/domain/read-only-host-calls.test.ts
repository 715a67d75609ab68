import { afterEach, describe, expect, it } from "vitest";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { succeededCompile } from "../testing/succeeded-compile.js";
import { createRegistry } from "./create-registry.js";
import type { Caller, Registry } from "./registry.js";
import type { HostCallDecl, RevisionRecord } from "./types.js";

// Red-team finding: a host call's read_only came from the author's manifest, so an agent capped at
// medium could label a write method read-only and pass. The operator now says which methods read.

const T = "acme";
const CRM = "ameide.crm.v1.CustomerService";
const bot: Caller = { actor: "agent:l2o", tenants: [T] };
const ann: Caller = { actor: "user:ann", tenants: [T] };
const sources = [{ path: "src/index.ts", contentBase64: Buffer.from("export {}").toString("base64") }];

describe("read_only is the registry's verdict, not the author's word", () => {
  let store: RegistryStore;
  let registry: Registry;
  let compiled: RevisionRecord[];
  afterEach(async () => {
    await registry?.idle();
    await store?.close();
  });

  async function open(readOnlyHostMethods?: Record<string, string[]>) {
    store = await openRegistryStore(":memory:");
    compiled = [];
    registry = createRegistry({
      store,
      compiler: async (rev) => {
        compiled.push(rev);
        return succeededCompile();
      },
      governance: { agents: { "agent:l2o": { maxRiskTier: "medium" } } },
      readOnlyHostMethods,
    });
  }

  async function mediumDraft(by: Caller, id: string, hostCalls: HostCallDecl[]) {
    const d = await registry.createDraft(by, {
      tenantId: T,
      extensionId: id,
      kind: "agent_tool",
      riskTier: "medium",
      hostCalls: hostCalls.map(({ service, method }) => ({ service, method })),
    });
    return { tenantId: T, extensionId: id, version: d.revision.version };
  }

  const upload = (
    by: Caller,
    key: { tenantId: string; extensionId: string; version: string },
    hostCalls: HostCallDecl[],
  ) =>
    registry.uploadSource(by, {
      ...key,
      language: "assemblyscript",
      files: sources,
      manifestJson: JSON.stringify({ risk_tier: "medium", host_calls: hostCalls }),
    });

  it("refuses an agent's manifest that marks a write method read_only (failed_precondition, host_call_not_read_only), and still serves", async () => {
    await open({ [CRM]: ["GetCustomer"] });
    const key = await mediumDraft(bot, "sneaky", [{ service: CRM, method: "UpdateCustomer" }]);
    const refused = await upload(bot, key, [
      { service: CRM, method: "UpdateCustomer", read_only: true },
    ]).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: "failed_precondition",
      details: { rule: "host_call_not_read_only", service: CRM, method: "UpdateCustomer" },
    });
    expect((refused as Error).message).toContain("read_only_host_methods");
    // Nothing was stored, and the registry still serves the agent.
    const after = await registry.get(bot, key);
    expect(after.revision.revision.sources).toEqual([]);
    const ok = await mediumDraft(bot, "honest", [{ service: CRM, method: "GetCustomer" }]);
    expect(
      (await upload(bot, ok, [{ service: CRM, method: "GetCustomer", read_only: true }])).revision.state,
    ).toBe("draft");
  });

  it("reads a hostile manifest's host_calls (null, numbers) without failing, and still refuses the claim among them", async () => {
    await open();
    const key = await mediumDraft(bot, "hostile", []);
    const manifestJson = JSON.stringify({
      host_calls: [null, 3, "x", { service: CRM, method: "Drop", read_only: true }],
    });
    await expect(
      registry.uploadSource(bot, { ...key, language: "assemblyscript", files: sources, manifestJson }),
    ).rejects.toMatchObject({ code: "failed_precondition", details: { rule: "host_call_not_read_only" } });
    const junk = JSON.stringify({ host_calls: [null, 3] });
    const view = await registry.uploadSource(bot, {
      ...key,
      language: "assemblyscript",
      files: sources,
      manifestJson: junk,
    });
    expect(view.revision.state).toBe("draft");
  });

  it("refuses a CreateDraft whose host calls claim read_only for a method the registry does not know as read-only", async () => {
    await open();
    await expect(
      registry.createDraft(ann, {
        tenantId: T,
        extensionId: "claims",
        kind: "agent_tool",
        riskTier: "medium",
        hostCalls: [{ service: CRM, method: "GetCustomer", read_only: true }],
      }),
    ).rejects.toMatchObject({ code: "failed_precondition", details: { rule: "host_call_not_read_only" } });
  });

  it("passes a real read-only method: the stored version and the compile carry the registry's verdict", async () => {
    await open({ [CRM]: ["GetCustomer"] });
    const key = await mediumDraft(bot, "reader", [
      { service: CRM, method: "GetCustomer" },
      { service: CRM, method: "UpdateCustomer" },
    ]);
    // The author says nothing about read_only: the registry decides it.
    const view = await upload(bot, key, [
      { service: CRM, method: "GetCustomer" },
      { service: CRM, method: "UpdateCustomer", read_only: false },
    ]);
    expect(view.revision.hostCalls).toEqual([
      { service: CRM, method: "GetCustomer", read_only: true },
      { service: CRM, method: "UpdateCustomer", read_only: false },
    ]);
    await registry.requestCompile(bot, key);
    await registry.idle();
    expect(compiled[0]?.hostCalls.map((h) => h.read_only)).toEqual([true, false]);
  });

  it("shows the registry's current verdict: a method the operator no longer lists reads as writing", async () => {
    await open({ [CRM]: ["GetCustomer"] });
    const key = await mediumDraft(ann, "was-reader", [{ service: CRM, method: "GetCustomer" }]);
    await upload(ann, key, [{ service: CRM, method: "GetCustomer", read_only: true }]);
    // The operator takes GetCustomer off the list: a registry over the same store says "writes".
    registry = createRegistry({
      store,
      compiler: async (rev) => {
        compiled.push(rev);
        return succeededCompile();
      },
    });
    const got = await registry.get(ann, key);
    expect(got.revision.revision.hostCalls).toEqual([
      { service: CRM, method: "GetCustomer", read_only: false },
    ]);
    await registry.requestCompile(ann, key);
    await registry.idle();
    expect(compiled.at(-1)?.hostCalls[0]?.read_only).toBe(false);
  });
});
