import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Outcome } from "@ameide-ext/proto";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "../service/create-runtime.js";
import { loadRuntimeConfig } from "../service/load-runtime-config.js";
import { resolveRuntimeSettings } from "../service/runtime-settings.js";
import { buildTestHook, captureLogger, invokeRequest, writeModule } from "../testing/service-fixtures.js";
import { createCatalogObjectClient, fetchCatalogObject, parseCatalogObjectUrl } from "./catalog-object.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

// Generous: the first call of a version compiles it on this busy machine; the poll itself is 100 ms.
const until = async (check: () => boolean | Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

// A real S3-protocol server (s3rver) on loopback; the runtime polls its catalog object every 100 ms.
describe("watchCatalogObject()", () => {
  let dir: string;
  let s3rver: S3rver;
  let port: number;
  let endpoint: string;
  let client: S3Client;
  let runtime: Runtime;
  let lines: Array<Record<string, unknown>>;
  const refs: Record<string, string> = {};
  const env = { AMEIDE_S3_ACCESS_KEY_ID: "S3RVER", AMEIDE_S3_SECRET_ACCESS_KEY: "S3RVER" };
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  const start = async (p = 0) => {
    s3rver = new S3rver({
      port: p,
      address: "127.0.0.1",
      silent: true,
      directory: join(dir, "s3"),
      configureBuckets: [{ name: "extensions", configs: [] }],
    });
    return ((await s3rver.run()) as AddressInfo).port;
  };
  const object = (versions: string[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      env: "dev",
      extensions: versions.map((v) => ({
        tenant_id: "acme",
        extension_id: "echo",
        version: v,
        kind: "process_hook",
        risk_tier: "low",
        wasm_blob_ref: refs[v],
      })),
      ...extra,
    });
  const put = (text: string, metadata?: Record<string, string>) =>
    client.send(
      new PutObjectCommand({
        Bucket: "extensions",
        Key: "catalogs/dev.json",
        Body: text,
        Metadata: metadata,
      }),
    );
  const served = async () => {
    const r = await runtime.invokeExtension(invokeRequest({ extensionId: "echo" }));
    return r.resolvedVersion;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-catalog-object-"));
    port = await start();
    endpoint = `http://127.0.0.1:${port}`;
    client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
    for (const v of ["1", "2"])
      refs[v] = await writeModule(join(dir, "modules"), `echo-${v}`, await buildTestHook("echo", v));
    const config = join(dir, "runtime.yaml");
    await writeFile(
      config,
      JSON.stringify({
        env: "dev",
        extensions: [],
        runtime: {
          preload: false,
          pool: { size: 1 },
          store: { s3: { endpoint, force_path_style: true, fetch_timeout_ms: 5_000 } },
          catalog: { source: "s3://extensions/catalogs/dev.json", poll_interval_ms: 100, poll_jitter_ms: 20 },
        },
      }),
    );
    // No object yet: the config file's own (empty) extensions serve until the registry publishes.
    const loaded = await loadRuntimeConfig(config, env);
    expect(loaded.catalog.entries).toHaveLength(0);
    const captured = captureLogger();
    lines = captured.lines;
    runtime = await createRuntime({
      catalog: loaded.catalog,
      catalogObject: loaded.catalogObject,
      settings: loaded.settings,
      logger: captured.logger,
      defaultMetrics: false,
    });
  });
  afterAll(async () => {
    await runtime?.close();
    client?.destroy();
    await s3rver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("puts a published object in force within the poll interval, and each later one", async () => {
    // Not published yet is no failure: nothing logged, nothing counted.
    await new Promise((r) => setTimeout(r, 300));
    expect(lines.filter((l) => l.event === "catalog_fetch_failed")).toEqual([]);
    expect(await runtime.metrics.render()).toMatch(/ameide_ext_catalog_fetch_failures_total 0/);
    await put(object(["1"]));
    await until(async () => runtime.catalog.entries.length === 1);
    expect(await served()).toBe("1");
    await put(object(["1", "2"]));
    await until(async () => (await served()) === "2");
    await put(object(["1", "2"], { latest: { "acme/echo": "1" } }));
    await until(async () => (await served()) === "1");
  });

  it("asks with If-None-Match: an unchanged object answers 304 and costs no body", async () => {
    const c = createCatalogObjectClient({ endpoint, credentials }, 1_000);
    const where = parseCatalogObjectUrl("s3://extensions/catalogs/dev.json");
    const first = await fetchCatalogObject(c, where, undefined, 1_000);
    expect(first.status).toBe("changed");
    const etag = first.status === "changed" ? first.etag : undefined;
    // S3's ETag of a single-part PUT: the quoted MD5 of the body.
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await fetchCatalogObject(c, where, etag, 1_000)).toEqual({ status: "not_modified" });
    expect(
      await fetchCatalogObject(
        c,
        parseCatalogObjectUrl("s3://extensions/catalogs/none.json"),
        undefined,
        1_000,
      ),
    ).toEqual({ status: "missing" });
    c.destroy();
  });

  // s3rver (unlike S3 and MinIO) may serve an object half-written, which is refused too: the tests
  // look at the refusals since the put, not at how many there were before.
  const refusalsSince = (from: number) => lines.slice(from).filter((l) => l.event === "catalog_invalid");

  it("ignores and logs once an object that is not a valid catalog; the last good one stays", async () => {
    const before = runtime.catalog.hash;
    const from = lines.length;
    const loadsBefore = /ameide_ext_catalog_loads_total\{result="invalid"\} (\d+)/.exec(
      await runtime.metrics.render(),
    );
    await put("{ extensions: [ {");
    await until(() => refusalsSince(from).length > 0);
    await new Promise((r) => setTimeout(r, 150));
    const settled = refusalsSince(from).length;
    await new Promise((r) => setTimeout(r, 500)); // five more polls
    expect(refusalsSince(from)).toHaveLength(settled); // its hash is remembered: not refused again on every poll
    expect(refusalsSince(from)[0]).toMatchObject({
      error_code: "invalid_argument",
      error_reason: "invalid_manifest",
    });
    expect(runtime.catalog.hash).toBe(before);
    expect(await served()).toBe("1");
    const loadsAfter = /ameide_ext_catalog_loads_total\{result="invalid"\} (\d+)/.exec(
      await runtime.metrics.render(),
    );
    expect(Number(loadsAfter?.[1])).toBe(Number(loadsBefore?.[1] ?? 0) + settled);
  });

  it("refuses an object for another environment, and one carrying runtime settings", async () => {
    const before = runtime.catalog.hash;
    const from = lines.length;
    const refusedAt = (path: string) =>
      refusalsSince(from).find(
        (l) => (l.problems as Array<{ path: string }> | undefined)?.[0]?.path === path,
      );
    await put(object(["2"], { env: "prod" }));
    await until(() => refusedAt("/env") !== undefined);
    await put(object(["2"], { runtime: { auth: { mode: "insecure_local" } } }));
    await until(() => refusedAt("/runtime") !== undefined);
    expect(refusedAt("/env")).toMatchObject({
      error_code: "invalid_argument",
      error_reason: "invalid_manifest",
    });
    expect(refusedAt("/runtime")).toMatchObject({
      error_code: "invalid_argument",
      error_reason: "invalid_manifest",
    });
    expect(runtime.catalog.hash).toBe(before);
    expect(await served()).toBe("1");
  });

  it("reads again, and never refuses, an object whose bytes differ from its catalog-sha256 (a torn read)", async () => {
    const before = runtime.catalog.hash;
    const from = lines.length;
    const counted = async () =>
      Number(/ameide_ext_catalog_fetch_failures_total (\d+)/.exec(await runtime.metrics.render())?.[1] ?? 0);
    const countedBefore = await counted();
    await put(object(["1", "2"]), { "catalog-sha256": "0".repeat(64) });
    await until(async () => (await counted()) >= countedBefore + 2);
    expect(refusalsSince(from)).toEqual([]);
    expect(lines.slice(from).find((l) => l.event === "catalog_fetch_failed")).toMatchObject({
      error_code: "unavailable",
      error_reason: "store_unavailable",
      error: "torn_read",
    });
    expect(runtime.catalog.hash).toBe(before);
    const text = object(["1", "2"]);
    await put(text, { "catalog-sha256": createHash("sha256").update(text).digest("hex") });
    await until(async () => (await served()) === "2");
  });

  it("keeps the last good catalog while the store is down, counts each failed poll, and catches up after", async () => {
    const failedBefore = lines.filter((l) => l.event === "catalog_fetch_failed").length;
    const counted = async () =>
      Number(/ameide_ext_catalog_fetch_failures_total (\d+)/.exec(await runtime.metrics.render())?.[1] ?? 0);
    const countedBefore = await counted();
    await s3rver.close();
    await until(async () => (await counted()) >= countedBefore + 2);
    // One line when polls start failing; the counter counts every one.
    const failed = lines.filter((l) => l.event === "catalog_fetch_failed").slice(failedBefore);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      error_code: "unavailable",
      error_reason: "store_unavailable",
    });
    const res = await runtime.invokeExtension(invokeRequest({ extensionId: "echo" }));
    expect([res.outcome, res.resolvedVersion]).toEqual([Outcome.OK, "2"]);
    await start(port);
    await put(object(["1", "2"], { latest: { "acme/echo": "1" } }));
    await until(async () => (await served()) === "1");
  });
});

describe("runtime.catalog settings", () => {
  it("refuses a source that is not s3://<bucket>/<key>, naming the setting", () => {
    expect(() => resolveRuntimeSettings({}, { AMEIDE_RUNTIME_CATALOG_SOURCE: "s3://x" })).toThrow(
      expect.objectContaining({
        code: "invalid_argument",
        reason: "invalid_manifest",
        details: { setting: "AMEIDE_RUNTIME_CATALOG_SOURCE" },
      }),
    );
    expect(() => resolveRuntimeSettings({}, { AMEIDE_RUNTIME_CATALOG_POLL_MS: "10" })).toThrow(
      expect.objectContaining({
        code: "invalid_argument",
        details: { variable: "AMEIDE_RUNTIME_CATALOG_POLL_MS" },
      }),
    );
  });

  it("does not start when the catalog object cannot be read: unavailable/store_unavailable", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ameide-catalog-object-"));
    const config = join(dir, "runtime.json");
    await writeFile(
      config,
      JSON.stringify({
        extensions: [],
        runtime: {
          store: { s3: { endpoint: "http://127.0.0.1:1", fetch_timeout_ms: 1_000 } },
          catalog: { source: "s3://extensions/catalogs/dev.json" },
        },
      }),
    );
    await expect(
      loadRuntimeConfig(config, { AMEIDE_S3_ACCESS_KEY_ID: "k", AMEIDE_S3_SECRET_ACCESS_KEY: "s" }),
    ).rejects.toMatchObject({ code: "unavailable", reason: "store_unavailable" });
    await rm(dir, { recursive: true, force: true });
  });

  it("defaults to no source, a 5 s poll and 1 s of jitter", () => {
    expect(resolveRuntimeSettings({}).catalog).toEqual({
      source: undefined,
      pollIntervalMs: 5_000,
      pollJitterMs: 1_000,
    });
  });
});
