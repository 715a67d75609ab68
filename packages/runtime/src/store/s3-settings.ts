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
