import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import type { Caller } from "../domain/registry.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { succeededCompile } from "../testing/succeeded-compile.js";
import { createCatalogPublisher } from "./create-catalog-publisher.js";

// Red-team finding: the catalog carried the author's read_only. It carries the registry's verdict now.

const CRM = "ameide.crm.v1.CustomerService";
const ann: Caller = { actor: "user:ann", tenants: ["acme"] };
const bob: Caller = { actor: "user:bob", tenants: ["acme"] };

describe("the published catalog's read_only", () => {
  let work: string;
  let store: RegistryStore;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-catalog-read-only-"));
    store = await openRegistryStore(":memory:");
    // A medium-tier version calling GetCustomer and UpdateCustomer, both read-only when it was made;
    // the operator has since taken UpdateCustomer off the list (or the row predates the fix).
    const registry = createRegistry({
      store,
      compiler: async (rev) => ({
        ...(await succeededCompile()),
        wasmBlobRef: `extensions/acme/${rev.extensionId}/${rev.version}.wasm#sha256=${"a".repeat(64)}`,
      }),
      readOnlyHostMethods: { [CRM]: ["GetCustomer", "UpdateCustomer"] },
    });
    const d = await registry.createDraft(ann, {
      tenantId: "acme",
      extensionId: "reader",
      kind: "agent_tool",
      riskTier: "medium",
      hostCalls: [
        { service: CRM, method: "GetCustomer" },
        { service: CRM, method: "UpdateCustomer" },
      ],
    });
    const key = { tenantId: "acme", extensionId: "reader", version: d.revision.version };
    await registry.uploadSource(ann, {
      ...key,
      language: "assemblyscript",
      files: [{ path: "src/index.ts", contentBase64: "" }],
      manifestJson: "{}",
    });
    await registry.requestCompile(ann, key);
    await registry.idle();
    await registry.requestPromotion(ann, { ...key, env: "dev" });
    await registry.approve(bob, { ...key, env: "dev" });
    await registry.idle();
  });
  afterAll(async () => {
    await store.close();
    await rm(work, { recursive: true, force: true });
  });

  it("is the operator's list: a method it lists reads true; one it does not is left out of a medium version's allowlist", async () => {
    const file = join(work, "dev.json");
    const publisher = createCatalogPublisher({
      store,
      catalogs: { dev: file },
      readOnlyHostMethods: { [CRM]: ["GetCustomer"] },
    });
    await publisher.publish("dev");
    const doc = JSON.parse(await readFile(file, "utf8"));
    expect(doc.extensions[0].host_calls).toEqual([{ service: CRM, method: "GetCustomer", read_only: true }]);
  });

  it("marks nothing read-only when the operator lists nothing (the default)", async () => {
    const file = join(work, "dev-none.json");
    await createCatalogPublisher({ store, catalogs: { dev: file } }).publish("dev");
    const doc = JSON.parse(await readFile(file, "utf8"));
    // Medium may call read-only methods only: with none known, the version may call nothing.
    expect(doc.extensions[0].host_calls).toBeUndefined();
    expect(doc.extensions[0].risk_tier).toBe("medium");
  });
});
