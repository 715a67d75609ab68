import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Outcome } from "@ameide-ext/proto";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "../catalog/parse-catalog.js";
import { createRuntime, type Runtime } from "../service/create-runtime.js";
import { resolveRuntimeSettings } from "../service/runtime-settings.js";
import { buildTestHook, captureLogger, invokeRequest, type TestHook } from "../testing/service-fixtures.js";
import { parseModuleRef } from "./module-ref.js";
import { createS3ModuleStore } from "./s3-module-store.js";

// The AWS SDK warns once per process that its 2027 releases will need Node 22: not this suite's concern.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

// A real S3-protocol server (s3rver) on loopback, reached through the AWS SDK v3 with path-style addressing.
describe("createS3ModuleStore()", () => {
  let dir: string;
  let s3rver: S3rver;
  let endpoint: string;
  let port: number;
  let hook: TestHook;
  let runtime: Runtime;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  const start = async (p = 0) => {
    s3rver = new S3rver({
      port: p,
      address: "127.0.0.1",
      silent: true,
      directory: join(dir, "s3"),
      configureBuckets: [{ name: "extensions", configs: [] }],
    });
    const address = (await s3rver.run()) as AddressInfo;
    return address.port;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-s3-"));
    port = await start();
    endpoint = `http://127.0.0.1:${port}`;
    hook = await buildTestHook("echo", "s3");
    const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
    await client.send(
      new PutObjectCommand({ Bucket: "extensions", Key: "acme/deal/3.wasm", Body: hook.bytes }),
    );
    client.destroy();
    const settings = resolveRuntimeSettings(
      {
        preload: false,
        pool: { size: 1 },
        store: { s3: { endpoint, force_path_style: true, fetch_timeout_ms: 2_000 } },
      },
      { AMEIDE_S3_ACCESS_KEY_ID: "S3RVER", AMEIDE_S3_SECRET_ACCESS_KEY: "S3RVER" },
    );
    const ref = (key: string) => `s3://extensions/${key}#sha256=${hook.sha256}`;
    runtime = await createRuntime({
      catalog: createCatalog({
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "deal",
            version: "3",
            kind: "process_hook",
            risk_tier: "low",
            wasm_blob_ref: ref("acme/deal/3.wasm"),
          },
          {
            tenant_id: "acme",
            extension_id: "ghost",
            version: "1",
            kind: "process_hook",
            risk_tier: "low",
            wasm_blob_ref: ref("acme/ghost/1.wasm"),
          },
        ],
      }),
      settings,
      logger: captureLogger().logger,
      defaultMetrics: false,
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await s3rver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("fetches a module by its s3:// ref and runs it, verified against the ref's sha256", async () => {
    const res = await runtime.invokeExtension(invokeRequest({ extensionId: "deal", input: { a: 1 } }));
    expect(res.outcome).toBe(Outcome.OK);
    expect(JSON.parse(new TextDecoder().decode(res.outputJson))).toEqual({ echo: { a: 1 }, version: "s3" });
    expect(await runtime.metrics.render()).toMatch(
      /ameide_ext_module_cache_misses_total\{scheme="s3",result="ok"\} 1/,
    );
  });

  it("answers unavailable/store_unavailable for an object the store lacks", async () => {
    const res = await runtime.invokeExtension(invokeRequest({ extensionId: "ghost" }));
    expect([res.errorCode, res.errorReason]).toEqual(["unavailable", "store_unavailable"]);
  });

  it("refuses an object over the size limit before reading it, with invalid_argument/module_size", async () => {
    const store = createS3ModuleStore({ endpoint, credentials });
    const ref = parseModuleRef(`s3://extensions/acme/deal/3.wasm#sha256=${hook.sha256}`);
    await expect(store.fetch(ref, { maxBytes: 1024 })).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "module_size",
    });
    store.close?.();
  });

  it("answers unavailable while the store is down, keeps serving cached modules, and recovers when it is back", async () => {
    await s3rver.close();
    const store = createS3ModuleStore({ endpoint, credentials, fetchTimeoutMs: 1_000, maxAttempts: 1 });
    const ref = parseModuleRef(`s3://extensions/acme/deal/3.wasm#sha256=${hook.sha256}`);
    await expect(store.fetch(ref, { maxBytes: 1 << 24 })).rejects.toMatchObject({
      code: "unavailable",
      reason: "store_unavailable",
    });
    // The hot path never touches the store.
    expect((await runtime.invokeExtension(invokeRequest({ extensionId: "deal" }))).outcome).toBe(Outcome.OK);
    await start(port);
    expect((await store.fetch(ref, { maxBytes: 1 << 24 })).length).toBe(hook.bytes.length);
    store.close?.();
  });
});
