import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCatalogPublisher } from "../catalog/create-catalog-publisher.js";
import type { RegistryStore } from "../store/registry-store.js";
import { STORE_BACKENDS } from "../testing/store-backends.js";
import { createRegistry } from "./create-registry.js";
import type { Caller, Registry } from "./registry.js";

const T = "acme";
const ann: Caller = { actor: "user:ann", tenants: [T] };
const bot: Caller = { actor: "agent:l2o", tenants: [T] };
const stranger: Caller = { actor: "user:eve", tenants: ["globex"] };
const sha = "c".repeat(64);

interface CatalogDoc {
  extensions: Array<{ extension_id: string; version: string; disabled?: boolean }>;
}

describe.each(STORE_BACKENDS)("the kill switch (Disable, Enable) on $name", (backend) => {
  let store: RegistryStore;
  let registry: Registry;
  let work: string;
  let catalogFile: string;
  beforeAll(async () => {
    await backend.setup();
    work = await mkdtemp(join(tmpdir(), "ameide-kill-switch-"));
  });
  afterAll(async () => {
    await backend.teardown();
    await rm(work, { recursive: true, force: true });
  });
  afterEach(async () => {
    await registry?.idle();
    await store?.close();
  });

  /** A registry whose dev catalog is written to a file, with versions 1 and 2 of deal-guard promoted to dev. */
  async function open() {
    store = await backend.open();
    catalogFile = join(work, `catalog-${Math.random().toString(36).slice(2)}.json`);
    const publisher = createCatalogPublisher({ store, catalogs: { dev: catalogFile } });
    registry = createRegistry({
      store,
      onDeploymentChange: async (env) => {
        await publisher.publish(env);
      },
      compiler: async (rev) => ({
        record: {
          status: "succeeded",
          toolchain: "t",
          diagnostics: [],
          tests: [],
          moduleBytes: 1,
          startedAt: "",
          finishedAt: "",
        },
        wasmBlobRef: `extensions/${rev.tenantId}/${rev.extensionId}/${rev.version}.wasm#sha256=${sha}`,
        sha256: sha,
      }),
    });
    for (let v = 1; v <= 2; v++) {
      const d = await registry.createDraft(ann, {
        tenantId: T,
        extensionId: "deal-guard",
        kind: "process_hook",
        riskTier: "low",
      });
      const key = { tenantId: T, extensionId: "deal-guard", version: d.revision.version };
      await registry.uploadSource(ann, {
        ...key,
        language: "assemblyscript",
        files: [{ path: "src/index.ts", contentBase64: "" }],
        manifestJson: "{}",
      });
      await registry.requestCompile(ann, key);
      await registry.idle();
    }
  }
  const disabledInCatalog = async () =>
    (JSON.parse(await readFile(catalogFile, "utf8")) as CatalogDoc).extensions
      .filter((e) => e.disabled === true)
      .map((e) => e.version);
  const key = { tenantId: T, extensionId: "deal-guard", env: "dev" as const };

  it("switches one version off in the catalog, records DISABLED with the reason, and ENABLED when released", async () => {
    await open();
    expect(await registry.disable(ann, { ...key, version: "2", reason: "INC-7: misroutes deals" })).toEqual([
      "2",
    ]);
    await registry.idle();
    expect(await disabledInCatalog()).toEqual(["2"]);
    const events = (await registry.listEvents(ann, { tenantId: T, extensionId: "deal-guard" })).events;
    expect(events.at(-1)).toMatchObject({
      type: "disabled",
      actor: "user:ann",
      env: "dev",
      version: "2",
      comment: "INC-7: misroutes deals",
    });

    expect(await registry.enable(ann, { ...key, version: "2", reason: "fixed upstream" })).toEqual([]);
    await registry.idle();
    expect(await disabledInCatalog()).toEqual([]);
    const after = (await registry.listEvents(ann, { tenantId: T, extensionId: "deal-guard" })).events;
    expect(after.at(-1)).toMatchObject({ type: "enabled", version: "2", comment: "fixed upstream" });
  });

  it("without a version switches every version off, and its release is its own", async () => {
    await open();
    expect(await registry.disable(ann, { ...key, reason: "INC-8" })).toEqual([""]);
    await registry.idle();
    expect(await disabledInCatalog()).toEqual(["1", "2"]);
    await expect(registry.enable(ann, { ...key, version: "1", reason: "x" })).rejects.toMatchObject({
      code: "not_found",
    });
    await registry.enable(ann, { ...key, reason: "resolved" });
    await registry.idle();
    expect(await disabledInCatalog()).toEqual([]);
  });

  it("refuses: agents outside dev, callers outside the tenant, no reason, a version that never ran there; and still serves", async () => {
    await open();
    await expect(registry.disable(bot, { ...key, env: "prod", reason: "r" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_cannot_rollback" },
    });
    await expect(registry.enable(bot, { ...key, env: "staging", reason: "r" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_cannot_rollback" },
    });
    await expect(registry.disable(stranger, { ...key, reason: "r" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "tenant_access" },
    });
    await expect(registry.disable(ann, { ...key, reason: "  " })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(registry.disable(ann, { ...key, reason: "x".repeat(2001) })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(registry.disable(ann, { ...key, version: "9", reason: "r" })).rejects.toMatchObject({
      code: "failed_precondition",
      details: { rule: "not_promoted_to_env" },
    });
    await expect(registry.disable(ann, { ...key, extensionId: "nope", reason: "r" })).rejects.toMatchObject({
      code: "not_found",
    });
    // An agent may use the switch in dev.
    expect(await registry.disable(bot, { ...key, version: "1", reason: "agent test" })).toEqual(["1"]);
  });
});
