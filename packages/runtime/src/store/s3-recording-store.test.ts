import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3RecordingStore } from "./s3-recording-store.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

// A real S3-protocol server (s3rver) on loopback, as the module store's tests use.
describe("createS3RecordingStore()", () => {
  let dir: string;
  let s3rver: S3rver;
  let endpoint: string;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-s3rec-"));
    s3rver = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: join(dir, "s3"),
      configureBuckets: [{ name: "extensions", configs: [] }],
    });
    endpoint = `http://127.0.0.1:${((await s3rver.run()) as AddressInfo).port}`;
  });
  afterAll(async () => {
    await s3rver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes recordings under its prefix and lists one extension's, oldest first, from a time on", async () => {
    const store = createS3RecordingStore({ bucket: "extensions", prefix: "prod/", endpoint, credentials });
    const bytes = new TextEncoder().encode('{"x":1}');
    const keys = [
      "recordings/acme/deal/2/20261206T010000000Z-aaaaaaaaaaaaaaaa.json",
      "recordings/acme/deal/3/20261206T020000000Z-bbbbbbbbbbbbbbbb.json",
      "recordings/acme/deal/3/20261206T000000000Z-cccccccccccccccc.json",
      "recordings/acme/other/1/20261206T020000000Z-dddddddddddddddd.json",
      "recordings/globex/deal/3/20261206T020000000Z-eeeeeeeeeeeeeeee.json",
    ];
    for (const key of keys) await store.put(key, bytes);
    expect(store.location).toBe("s3://extensions/prod/");
    expect(await store.list("recordings/acme/deal/", { limit: 10 })).toEqual([keys[2], keys[0], keys[1]]);
    expect(await store.list("recordings/acme/deal/", { from: "20261206T010000000Z", limit: 1 })).toEqual([
      keys[0],
    ]);
    expect(new TextDecoder().decode(await store.get(keys[1] as string))).toBe('{"x":1}');
    expect(
      await store.get("recordings/acme/deal/3/20261206T030000000Z-ffffffffffffffff.json"),
    ).toBeUndefined();
    store.close?.();
  });

  it("is unavailable / store_unavailable when S3 cannot be reached", async () => {
    const store = createS3RecordingStore({
      bucket: "extensions",
      endpoint: "http://127.0.0.1:9",
      credentials,
      timeoutMs: 500,
    });
    await expect(
      store.put("recordings/a/b/1/20261206T000000000Z-aaaaaaaaaaaaaaaa.json", new Uint8Array()),
    ).rejects.toMatchObject({
      code: "unavailable",
      reason: "store_unavailable",
    });
    store.close?.();
  });
});
