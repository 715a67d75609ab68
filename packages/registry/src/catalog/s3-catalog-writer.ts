import { createHash } from "node:crypto";
import { ExtensionError } from "@ameide-ext/contract";
import {
  CATALOG_SHA256_METADATA,
  parseCatalogObjectUrl,
  type S3Connection,
  s3ClientConfig,
} from "@ameide-ext/runtime";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

/** Writes catalog objects to S3 / MinIO (see {@link createS3CatalogWriter}). */
export interface S3CatalogWriter {
  /**
   * Publishes `text` at `url` (`s3://<bucket>/catalogs/<env>.json`): first the immutable
   * `catalogs/<env>/<sha256>.json`, then the pointer `catalogs/<env>.json` with the same bytes.
   * Resolves with the immutable object's URL. Throws `unavailable / store_unavailable`.
   */
  write(url: string, text: string): Promise<string>;
  /** Closes the client's connections. */
  close(): void;
}

/** The immutable object's key of a pointer key: `catalogs/dev.json` → `catalogs/dev/<sha256>.json`. */
export function immutableCatalogKey(pointerKey: string, sha256: string): string {
  const stem = pointerKey.endsWith(".json") ? pointerKey.slice(0, -".json".length) : pointerKey;
  return `${stem}/${sha256}.json`;
}

/**
 * The catalog on object storage (docs/decisions.md, "Catalog objects: an
 * immutable object, then the pointer"). Each publication is written twice:
 * `catalogs/<env>/<sha256>.json`, which never changes (the history, and what
 * an operator copies back to restore one), then `catalogs/<env>.json`, the
 * object runtimes poll, with the same bytes and the hash in its
 * `x-amz-meta-catalog-sha256`, against which a runtime checks what it read. A PUT replaces an object whole, so a runtime
 * reads the old pointer or the new one, never a mix; the pointer is written
 * only once its immutable copy is in the bucket.
 */
export function createS3CatalogWriter(connection: S3Connection = {}): S3CatalogWriter {
  const client = new S3Client(s3ClientConfig(connection));
  const put = async (bucket: string, key: string, text: string, sha256: string) => {
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: text,
          ContentType: "application/json",
          Metadata: { [CATALOG_SHA256_METADATA]: sha256 },
        }),
      );
    } catch (cause) {
      throw new ExtensionError(
        "unavailable",
        `the module store cannot take s3://${bucket}/${key}: ${(cause as Error).message}; the catalog is written again on the next change`,
        "store_unavailable",
        { source: `s3://${bucket}/${key}` },
      );
    }
  };
  return {
    async write(url, text) {
      const where = parseCatalogObjectUrl(url, "catalogs");
      const sha256 = createHash("sha256").update(text).digest("hex");
      const immutable = immutableCatalogKey(where.key, sha256);
      await put(where.bucket, immutable, text, sha256);
      await put(where.bucket, where.key, text, sha256);
      return `s3://${where.bucket}/${immutable}`;
    },
    close() {
      client.destroy();
    },
  };
}
