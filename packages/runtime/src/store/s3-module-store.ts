import { isExtensionError } from "@ameide-ext/contract";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { ModuleRef } from "./module-ref.js";
import { type ModuleStore, moduleTooLarge, storeUnavailable } from "./module-store.js";
import { type S3Connection, s3ClientConfig } from "./s3-settings.js";

/** Options of {@link createS3ModuleStore}. Credentials come from the environment, never from the catalog. */
export interface S3ModuleStoreOptions extends S3Connection {
  /** Time one fetch may take, connection included, in milliseconds. Default 5,000. */
  fetchTimeoutMs?: number | undefined;
  /** Attempts per fetch, the AWS SDK's own retries included. Default 2. */
  maxAttempts?: number | undefined;
}

const DEFAULT_FETCH_TIMEOUT_MS = 5_000;

/** Module store on S3 / MinIO: `s3://<bucket>/<key>` refs, read with the AWS SDK v3. */
export function createS3ModuleStore(options: S3ModuleStoreOptions = {}): ModuleStore {
  const timeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new RangeError(`fetchTimeoutMs is ${timeoutMs}, it must be a positive integer`);
  // Made on first use: a runtime whose catalog has no s3:// refs never loads the AWS SDK's machinery.
  let client: S3Client | undefined;
  const getClient = () =>
    (client ??= new S3Client({
      ...s3ClientConfig(options),
      maxAttempts: options.maxAttempts ?? 2,
      requestHandler: { connectionTimeout: Math.min(timeoutMs, 2_000), requestTimeout: timeoutMs },
    }));
  return {
    schemes: ["s3"],
    async fetch(ref: ModuleRef, { maxBytes, signal }) {
      if (ref.scheme !== "s3") throw storeUnavailable(ref, `the S3 store cannot read ${ref.ref}`);
      const timeout = AbortSignal.timeout(timeoutMs);
      const abortSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let body: Uint8Array;
      try {
        const out = await getClient().send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), {
          abortSignal,
        });
        const size = out.ContentLength ?? 0;
        if (size > maxBytes) {
          out.Body?.transformToWebStream().cancel();
          throw moduleTooLarge(ref, size, maxBytes);
        }
        if (!out.Body) throw storeUnavailable(ref, `module ${ref.ref} came back without a body`);
        body = await out.Body.transformToByteArray();
      } catch (cause) {
        if (isExtensionError(cause)) throw cause;
        const name = cause instanceof Error ? cause.name : "Error";
        const missing = name === "NoSuchKey" || name === "NoSuchBucket" || name === "NotFound";
        throw storeUnavailable(
          ref,
          missing
            ? `module ${ref.ref} is not in the store (${name})`
            : `the module store could not be read for ${ref.ref}: ${cause instanceof Error ? cause.message || name : String(cause)}`,
          { status: missing ? "missing" : "unreachable", error: name },
        );
      }
      if (body.length > maxBytes) throw moduleTooLarge(ref, body.length, maxBytes);
      return body;
    },
    close() {
      client?.destroy();
    },
  };
}
