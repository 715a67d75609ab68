import { ExtensionError } from "@ameide-ext/contract";
import { type S3Connection, s3ClientConfig } from "@ameide-ext/runtime";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { ModuleWriter } from "./module-writer.js";

/** Options of {@link createS3ModuleWriter}: the runtime's S3 connection, which reads what this writes. */
export type S3ModuleWriterOptions = S3Connection;

/**
 * The module store for real (spec 479 §3.5): a module key
 * `extensions/<tenant>/<extension>/<version>.wasm` goes to bucket
 * `extensions`, object `<tenant>/<extension>/<version>.wasm`, and its ref is
 * `s3://extensions/<tenant>/<extension>/<version>.wasm`, which the runtime's
 * S3 store reads.
 */
export function createS3ModuleWriter(options: S3ModuleWriterOptions = {}): ModuleWriter {
  const client = new S3Client(s3ClientConfig(options));
  return {
    async put(key, bytes) {
      const slash = key.indexOf("/");
      const bucket = key.slice(0, slash);
      const objectKey = key.slice(slash + 1);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: objectKey,
            Body: bytes,
            ContentType: "application/wasm",
          }),
        );
      } catch (cause) {
        throw new ExtensionError(
          "unavailable",
          `the module store cannot take s3://${bucket}/${objectKey}: ${(cause as Error).message}`,
          "store_unavailable",
        );
      }
      return `s3://${bucket}/${objectKey}`;
    },
  };
}
