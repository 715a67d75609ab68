import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { parseCatalogObjectUrl } from "./catalog-object.js";
import { watchCatalogObject } from "./watch-catalog-object.js";

/** An S3 client double that answers every GET with 304 Not Modified, and records when it was asked. */
function notModifiedClient() {
  const at: number[] = [];
  const client = {
    async send() {
      at.push(performance.now());
      throw Object.assign(new Error("Not Modified"), {
        name: "NotModified",
        $metadata: { httpStatusCode: 304 },
      });
    },
    destroy() {},
  };
  return { client: client as unknown as S3Client, at };
}

const watch = (client: S3Client, random: () => number) =>
  watchCatalogObject({
    where: parseCatalogObjectUrl("s3://extensions/catalogs/dev.json"),
    client,
    base: { env: "dev", extensions: [] },
    etag: '"abc"',
    pollIntervalMs: 50,
    pollJitterMs: 100,
    fetchTimeoutMs: 1_000,
    onCatalog: () => {
      throw new Error("no catalog expected");
    },
    onInvalid: (e) => {
      throw e;
    },
    onFetchFailed: (e) => {
      throw e;
    },
    random,
  });

describe("watchCatalogObject() timing", () => {
  it("waits the poll interval plus up to the jitter between two GETs, and stops when closed", async () => {
    const low = notModifiedClient();
    const high = notModifiedClient();
    const a = watch(low.client, () => 0); // 50 ms apart
    const b = watch(high.client, () => 0.99); // 50 + 99 ms apart
    await new Promise((r) => setTimeout(r, 620));
    a.close();
    b.close();
    const gaps = (at: number[]) => at.slice(1).map((t, i) => t - (at[i] as number));
    expect(low.at.length).toBeGreaterThan(high.at.length);
    for (const g of gaps(high.at)) expect(g).toBeGreaterThanOrEqual(145);
    for (const g of gaps(low.at)) expect(g).toBeGreaterThanOrEqual(45);
    const seen = high.at.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(high.at.length).toBe(seen);
  });
});
