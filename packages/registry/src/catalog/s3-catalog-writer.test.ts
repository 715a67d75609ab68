import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Catalog,
  createCatalogObjectClient,
  parseCatalogObjectUrl,
  watchCatalogObject,
} from "@ameide-ext/runtime";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import type { Caller } from "../domain/registry.js";
import { checkRegistryConfig } from "../service/registry-config.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import { createCatalogPublisher } from "./create-catalog-publisher.js";
import { immutableCatalogKey } from "./s3-catalog-writer.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const ann: Caller = { actor: "user:ann", tenants: ["*"] };
const sha = "b".repeat(64);

// A real S3-protocol server (s3rver) on loopback; the runtime's own watcher reads what the publisher writes.
describe("catalog publishing to the bucket", () => {
  let dir: string;
  let server: S3rver;
  let endpoint: string;
  let client: S3Client;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-registry-catalog-s3-"));
    server = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: dir,
      configureBuckets: [{ name: "extensions", configs: [] }],
    });
    endpoint = `http://127.0.0.1:${((await server.run()) as AddressInfo).port}`;
    client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const read = async (key: string) => {
    const out = await client.send(new GetObjectCommand({ Bucket: "extensions", Key: key }));
    return { text: (await out.Body?.transformToString()) ?? "", metadata: out.Metadata };
  };

  it("writes the immutable catalogs/<env>/<sha256>.json, then the pointer catalogs/<env>.json, which a watching runtime puts in force", async () => {
    const store = await openRegistryStore(":memory:");
    const target = "s3://extensions/catalogs/dev.json";
    const publisher = createCatalogPublisher({
      store,
      catalogs: { dev: target },
      s3: { endpoint, credentials },
    });
    const seen: Catalog[] = [];
    const watch = watchCatalogObject({
      where: parseCatalogObjectUrl(target),
      client: createCatalogObjectClient({ endpoint, credentials }, 2_000),
      base: { env: "dev", extensions: [], runtime: { port: 9000 } },
      etag: undefined,
      pollIntervalMs: 60_000,
      pollJitterMs: 0,
      fetchTimeoutMs: 2_000,
      onCatalog: (c) => seen.push(c),
      onInvalid: (e) => {
        throw e;
      },
      onFetchFailed: (e) => {
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
        wasmBlobRef: `s3://extensions/${rev.tenantId}/${rev.extensionId}/${rev.version}.wasm#sha256=${sha}`,
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
    const pointer = await read("catalogs/dev.json");
    const doc = JSON.parse(pointer.text);
    expect(Object.keys(doc)).toEqual(["env", "extensions", "latest", "pins"]); // nothing the runtime's file owns
    expect(doc.pins).toEqual({});
    expect(doc.latest).toEqual({ "acme/deal-guard": "2" });
    const hash = pointer.metadata?.["catalog-sha256"] as string;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await read(immutableCatalogKey("catalogs/dev.json", hash))).text).toBe(pointer.text);
    await watch.check();
    expect(seen.at(-1)?.resolve("acme", "deal-guard", "latest").version).toBe("2");
    expect(seen.at(-1)?.runtime).toEqual({ port: 9000 }); // the runtime's own section, not the object's

    await registry.rollback(ann, {
      tenantId: "acme",
      extensionId: "deal-guard",
      env: "dev",
      toVersion: "1",
      comment: "bad",
    });
    await registry.idle();
    await watch.check();
    expect(seen.at(-1)?.resolve("acme", "deal-guard", "latest").version).toBe("1");
    // Every publication left its immutable copy: the history an operator restores from.
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: "extensions", Prefix: "catalogs/dev/" }),
    );
    expect((listed.Contents ?? []).length).toBeGreaterThanOrEqual(3);
    watch.close();
    publisher.close();
    await store.close();
  });

  it("answers unavailable/store_unavailable when the bucket cannot take the catalog", async () => {
    const store = await openRegistryStore(":memory:");
    const publisher = createCatalogPublisher({
      store,
      catalogs: { dev: "s3://no-such-bucket/catalogs/dev.json" },
      s3: { endpoint, credentials },
    });
    await expect(publisher.publish("dev")).rejects.toMatchObject({
      code: "unavailable",
      reason: "store_unavailable",
    });
    publisher.close();
    await store.close();
  });

  it("takes an s3:// catalog target as it is, and refuses another URL scheme", () => {
    const config = checkRegistryConfig(
      { auth: {}, catalogs: { dev: "s3://extensions/catalogs/dev.json", prod: "catalogs/prod.yaml" } },
      "/etc/ameide",
    );
    expect(config.catalogs).toEqual({
      dev: "s3://extensions/catalogs/dev.json",
      prod: "/etc/ameide/catalogs/prod.yaml",
    });
    expect(() =>
      checkRegistryConfig({ auth: {}, catalogs: { dev: "https://example.com/dev.json" } }, "/etc/ameide"),
    ).toThrow(expect.objectContaining({ code: "invalid_argument", reason: "invalid_manifest" }));
  });
});
