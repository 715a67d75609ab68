import { ExtensionError } from "@ameide-ext/contract";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { ModuleWriter } from "./module-writer.js";

/** Options of {@link createS3ModuleWriter}. */
export interface S3ModuleWriterOptions {
  /** S3 / MinIO endpoint, e.g. "http://minio.data:9000". Unset: AWS's own endpoint for the region. */
  endpoint?: string | undefined;
  /** Region. Default "us-east-1" (MinIO ignores it). */
  region?: string | undefined;
  /** Path-style addressing, which MinIO needs. Default true when an endpoint is set. */
  forcePathStyle?: boolean | undefined;
  /** Static credentials. Unset: the AWS SDK's default chain (AWS_ACCESS_KEY_ID, …). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

/**
 * The module store for real (spec 479 §3.5): a module key
 * `extensions/<tenant>/<extension>/<version>.wasm` goes to bucket
 * `extensions`, object `<tenant>/<extension>/<version>.wasm`, and its ref is
 * `s3://extensions/<tenant>/<extension>/<version>.wasm`, which the runtime's
 * S3 store reads.
 */
export function createS3ModuleWriter(options: S3ModuleWriterOptions = {}): ModuleWriter {
  const client = new S3Client({
    region: options.region ?? "us-east-1",
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
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
