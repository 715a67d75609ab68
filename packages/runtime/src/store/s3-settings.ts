import type { S3ClientConfig } from "@aws-sdk/client-s3";

/**
 * The S3 / MinIO settings of a config file, as written: the runtime's catalog (`runtime.store.s3`,
 * which reads modules) and the registry's config (`modules.s3`, which writes them to the same store)
 * both take this section. Credentials are never in it: they come from the environment.
 */
export interface S3SettingsFile {
  /** S3 / MinIO endpoint, e.g. "http://minio.data:9000". Unset: AWS's own endpoint for the region. */
  endpoint?: string;
  /** Region. Default "us-east-1" (MinIO ignores it). */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`), which MinIO needs. Default true when an endpoint is set. */
  force_path_style?: boolean;
}

/** JSON Schema of {@link S3SettingsFile}: the one copy, which the runtime's catalog schema extends. */
export const S3_SETTINGS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    endpoint: { type: "string", pattern: "^https?://[^\\s]+$" },
    region: { type: "string", minLength: 1 },
    force_path_style: { type: "boolean" },
  },
} as const;

/**
 * Where and as whom to reach S3 / MinIO: what the runtime's S3 store reads with and the registry's
 * module writer writes with (the options form of {@link S3SettingsFile}, plus credentials, which come
 * from the environment).
 */
export interface S3Connection {
  /** S3 / MinIO endpoint, e.g. "http://minio.data:9000". Unset: AWS's own endpoint for the region. */
  endpoint?: string | undefined;
  /** Region. Default "us-east-1" (MinIO ignores it). */
  region?: string | undefined;
  /** Path-style addressing (`endpoint/bucket/key`), which MinIO needs. Default true when an endpoint is set. */
  forcePathStyle?: boolean | undefined;
  /** Static credentials. Unset: the AWS SDK's default chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, …). */
  credentials?:
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined }
    | undefined;
}

/** The AWS SDK client settings of a connection, its defaults filled in (see {@link S3Connection}). */
export function s3ClientConfig(connection: S3Connection): S3ClientConfig {
  return {
    region: connection.region ?? "us-east-1",
    ...(connection.endpoint !== undefined ? { endpoint: connection.endpoint } : {}),
    forcePathStyle: connection.forcePathStyle ?? connection.endpoint !== undefined,
    ...(connection.credentials !== undefined ? { credentials: connection.credentials } : {}),
  };
}
