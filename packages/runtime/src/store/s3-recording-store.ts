import { ExtensionError } from "@ameide-ext/contract";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { byName, type RecordingStore } from "./recording-store.js";
import { type S3Connection, s3ClientConfig } from "./s3-settings.js";

/** Options of {@link createS3RecordingStore}. */
export interface S3RecordingStoreOptions extends S3Connection {
  /** The bucket (the module store's). */
  bucket: string;
  /** A key prefix before `recordings/`, without slashes at its ends. Default none. */
  prefix?: string | undefined;
  /** Time one request may take, in milliseconds. Default 5,000. */
  timeoutMs?: number | undefined;
}

function unavailable(location: string, cause: unknown): ExtensionError {
  const name = cause instanceof Error ? cause.name : "Error";
  return new ExtensionError(
    "unavailable",
    `the recording store ${location} cannot be used: ${cause instanceof Error ? cause.message || name : String(cause)}`,
    "store_unavailable",
    { location, error: name },
  );
}

/** Recordings in S3 / MinIO, through the AWS SDK v3 (the module store's client settings). */
/** PUTs an S3 recording store has in flight at most: each waits on the network for tens of milliseconds. */
export const S3_RECORDING_WRITERS = 8;

export function createS3RecordingStore(options: S3RecordingStoreOptions): RecordingStore {
  const { bucket } = options;
  const base = options.prefix ? `${options.prefix.replace(/^\/+|\/+$/g, "")}/` : "";
  const location = `s3://${bucket}/${base}`;
  const timeoutMs = options.timeoutMs ?? 5_000;
  let client: S3Client | undefined;
  const s3 = () =>
    (client ??= new S3Client({
      ...s3ClientConfig(options),
      maxAttempts: 2,
      requestHandler: { connectionTimeout: Math.min(timeoutMs, 2_000), requestTimeout: timeoutMs },
    }));
  const signal = () => ({ abortSignal: AbortSignal.timeout(timeoutMs) });
  return {
    location,
    writers: S3_RECORDING_WRITERS,
    async put(key, bytes) {
      try {
        await s3().send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `${base}${key}`,
            Body: bytes,
            ContentType: "application/json",
          }),
          signal(),
        );
      } catch (cause) {
        throw unavailable(location, cause);
      }
    },
    async list(prefix, { from, limit }) {
      const keys: string[] = [];
      let token: string | undefined;
      try {
        do {
          const out = await s3().send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: `${base}${prefix}`,
              ContinuationToken: token,
            }),
            signal(),
          );
          for (const o of out.Contents ?? []) {
            const key = (o.Key ?? "").slice(base.length);
            const name = key.slice(key.lastIndexOf("/") + 1);
            if (key.endsWith(".json") && (from === undefined || name >= from)) keys.push(key);
          }
          token = out.IsTruncated ? out.NextContinuationToken : undefined;
        } while (token !== undefined);
      } catch (cause) {
        throw unavailable(location, cause);
      }
      return keys.sort(byName).slice(0, limit);
    },
    async get(key) {
      try {
        const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: `${base}${key}` }), signal());
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      } catch (cause) {
        const name = cause instanceof Error ? cause.name : "";
        if (name === "NoSuchKey" || name === "NotFound") return undefined;
        throw unavailable(location, cause);
      }
    },
    close() {
      client?.destroy();
    },
  };
}
