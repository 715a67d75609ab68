import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Catalog, parseCatalog, watchCatalogFile } from "@ameide-ext/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import type { Caller } from "../domain/registry.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import { createCatalogPublisher } from "./create-catalog-publisher.js";

const ann: Caller = { actor: "user:ann", tenants: ["*"] };
const sha = "b".repeat(64);

describe("createCatalogPublisher()", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-catalog-test-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("rewrites the environment's catalog on promotion and rollback, keeps old versions and foreign sections, and a watching runtime reloads it", async () => {
    const file = join(work, "catalog-dev.yaml");
    await writeFile(
      file,
      "env: dev\nextensions: []\nhost_services:\n  ameide.crm.v1.AccountService:\n    url: http://crm:8080\nruntime:\n  port: 9000\n",
    );
    const store = await openRegistryStore(":memory:");
    const publisher = createCatalogPublisher({ store, catalogs: { dev: file } });
    const seen: Catalog[] = [];
    const watch = watchCatalogFile({
      path: file,
      currentHash: parseCatalog(await readFile(file, "utf8")).hash,
      debounceMs: 20,
      pollMs: 0,
      onCatalog: (c) => seen.push(c),
      onInvalid: (e) => {
        throw e;
      },
    });
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
        limits: { cpu_millis: 5, memory_mb: 16, timeout_ms: 50 },
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
    let doc = JSON.parse(await readFile(file, "utf8"));
    expect(doc.latest).toEqual({ "acme/deal-guard": "2" });
    expect(doc.extensions.map((e: { version: string }) => e.version)).toEqual(["1", "2"]);
    expect(doc.extensions[0]).toEqual({
      tenant_id: "acme",
      extension_id: "deal-guard",
      version: "1",
      kind: "process_hook",
      wasm_blob_ref: `extensions/acme/deal-guard/1.wasm#sha256=${sha}`,
      risk_tier: "low",
      limits: { cpu_millis: 5, memory_mb: 16, timeout_ms: 50 },
    });
    expect(doc.runtime).toEqual({ port: 9000 });
    expect(doc.host_services).toEqual({ "ameide.crm.v1.AccountService": { url: "http://crm:8080" } });
    await watch.check();
    expect(seen.at(-1)?.resolve("acme", "deal-guard", "latest").version).toBe("2");

    await registry.rollback(ann, {
      tenantId: "acme",
      extensionId: "deal-guard",
      env: "dev",
      toVersion: "1",
      comment: "bad",
    });
    await registry.idle();
    doc = JSON.parse(await readFile(file, "utf8"));
    expect(doc.latest).toEqual({ "acme/deal-guard": "1" });
    await watch.check();
    expect(seen.at(-1)?.resolve("acme", "deal-guard", "latest").version).toBe("1");
    expect(seen.at(-1)?.resolve("acme", "deal-guard", "2").version).toBe("2");
    watch.close();
    await store.close();
  });

  it("writes the catalog as a new file renamed into place, never through a link planted at a temp name", async () => {
    const file = join(work, "planted", "catalog-dev.json");
    const victim = join(work, "victim-rc");
    await mkdir(join(work, "planted"));
    await writeFile(victim, "export KEEP=1\n");
    // The name the publisher used to write first (`<file>.<pid>.tmp`), linked to a file of the person's.
    await symlink(victim, `${file}.${process.pid}.tmp`);
    const store = await openRegistryStore(":memory:");
    await createCatalogPublisher({ store, catalogs: { dev: file } }).publish("dev");
    await store.close();
    expect(await readFile(victim, "utf8")).toBe("export KEEP=1\n");
    expect(parseCatalog(await readFile(file, "utf8")).env).toBe("dev");
  });

  it("writes nothing for an environment without a catalog file", async () => {
    const store = await openRegistryStore(":memory:");
    expect(await createCatalogPublisher({ store, catalogs: {} }).publish("prod")).toBeUndefined();
    await store.close();
  });
});
