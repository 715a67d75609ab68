import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCatalog } from "@ameide-ext/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import type { Caller } from "../domain/registry.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import { createCatalogPublisher } from "./create-catalog-publisher.js";

const ann: Caller = { actor: "user:ann", tenants: ["*"] };
const sha = "d".repeat(64);

describe("createCatalogPublisher() and consumer pins", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-pins-catalog-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("writes each consumer's pin to `pins`, which the runtime resolves for that consumer; unpin removes it", async () => {
    const file = join(work, "catalog-dev.json");
    const store = await openRegistryStore(":memory:");
    const publisher = createCatalogPublisher({ store, catalogs: { dev: file } });
    const registry = createRegistry({
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
        tenantId: "acme",
        extensionId: "deal-guard",
        kind: "process_hook",
        riskTier: "low",
      });
      const key = { tenantId: "acme", extensionId: "deal-guard", version: d.revision.version };
      await registry.uploadSource(ann, {
        ...key,
        language: "assemblyscript",
        files: [{ path: "src/index.ts", contentBase64: "" }],
        manifestJson: "{}",
      });
      await registry.requestCompile(ann, key);
      await registry.idle();
    }
    const pin = { tenantId: "acme", extensionId: "deal-guard", env: "dev" as const };
    await registry.pin(ann, { ...pin, consumerRef: "process:quote-to-cash", version: "1" });
    await registry.pin(ann, { ...pin, consumerRef: "agent:l2o", version: "2" });
    await registry.idle();
    let text = await readFile(file, "utf8");
    expect(JSON.parse(text).pins).toEqual({
      "acme/deal-guard": { "agent:l2o": "2", "process:quote-to-cash": "1" },
    });
    const catalog = parseCatalog(text);
    expect(catalog.resolve("acme", "deal-guard", "latest", "process:quote-to-cash").version).toBe("1");
    expect(catalog.resolve("acme", "deal-guard", "latest").version).toBe("2");

    await registry.pin(ann, { ...pin, consumerRef: "process:quote-to-cash" });
    await registry.idle();
    text = await readFile(file, "utf8");
    expect(JSON.parse(text).pins).toEqual({ "acme/deal-guard": { "agent:l2o": "2" } });

    // A consumer the catalog would refuse never becomes a pin: the catalog keeps being written.
    await expect(
      registry.pin(ann, { ...pin, consumerRef: `process:${"x".repeat(300)}`, version: "1" }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
    await store.close();
  });
});
