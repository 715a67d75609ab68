import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createS3ModuleStore, parseModuleRef } from "@ameide-ext/runtime";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moduleKey } from "./module-writer.js";
import { createS3ModuleWriter } from "./s3-module-writer.js";

// A real S3-protocol server (s3rver) on loopback; the runtime's own S3 store reads back what the writer put.
describe("createS3ModuleWriter()", () => {
  let dir: string;
  let server: S3rver;
  let endpoint: string;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-registry-s3-"));
    server = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: dir,
      configureBuckets: [{ name: "extensions", configs: [] }],
    });
    endpoint = `http://127.0.0.1:${((await server.run()) as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("puts a module at s3://extensions/<tenant>/<extension>/<version>.wasm, where the runtime's store finds it", async () => {
    const writer = createS3ModuleWriter({ endpoint, credentials });
    const bytes = new Uint8Array([0, 97, 115, 109, 13, 0, 1, 0]);
    const ref = await writer.put(moduleKey("acme", "deal-guard", "3"), bytes);
    expect(ref).toBe("s3://extensions/acme/deal-guard/3.wasm");
    const store = createS3ModuleStore({ endpoint, credentials });
    const read = await store.fetch(parseModuleRef(`${ref}#sha256=${"0".repeat(64)}`), { maxBytes: 1024 });
    expect([...read]).toEqual([...bytes]);
    store.close?.();
  });

  it("reports a store it cannot write to as unavailable/store_unavailable", async () => {
    const writer = createS3ModuleWriter({ endpoint, credentials });
    await expect(writer.put("no-such-bucket/a/b/1.wasm", new Uint8Array(1))).rejects.toMatchObject({
      code: "unavailable",
      reason: "store_unavailable",
    });
  });
});
