import type { CatalogFileRecordings } from "../catalog/catalog-schema.js";

/** Where recordings go and their caps, every default filled in (docs/runtime-service.md, "Recordings"). */
export interface RecordingSettings {
  /** A folder, or `s3://<bucket>[/<prefix>]`; undefined: recording is off. Default: the file store's root. */
  location: string | undefined;
  /** Largest recording kept, in bytes. Default {@link DEFAULT_RECORDING_MAX_BYTES}. */
  maxBytes: number;
  /** Bytes one tenant may write per UTC day. Default {@link DEFAULT_TENANT_DAILY_BYTES}. */
  tenantDailyBytes: number;
  /** Recordings waiting to be written at most. Default {@link DEFAULT_RECORDING_QUEUE}. */
  queue: number;
}

/** Largest recording kept by default: 256 KiB (an input is at most 256 KiB, and a sensitive one is a hash). */
export const DEFAULT_RECORDING_MAX_BYTES = 256 * 1024;
/** Recording bytes per tenant per UTC day by default: 64 MiB. */
export const DEFAULT_TENANT_DAILY_BYTES = 64 * 1024 * 1024;
/** Recordings waiting to be written by default. */
export const DEFAULT_RECORDING_QUEUE = 1_000;

/**
 * Resolves `runtime.recordings`: `AMEIDE_RECORDINGS_LOCATION` (or "off"), then
 * the file's `location`, then the file store's root; `enabled: false` turns it off.
 */
export function resolveRecordingSettings(
  file: Readonly<CatalogFileRecordings> = {},
  storeRoot: string | undefined,
  env: NodeJS.ProcessEnv = {},
): RecordingSettings {
  const fromEnv = env.AMEIDE_RECORDINGS_LOCATION;
  const location =
    fromEnv === "off" || file.enabled === false
      ? undefined
      : fromEnv !== undefined && fromEnv !== ""
        ? fromEnv
        : (file.location ?? storeRoot);
  return {
    location,
    maxBytes: file.max_bytes ?? DEFAULT_RECORDING_MAX_BYTES,
    tenantDailyBytes: file.tenant_daily_bytes ?? DEFAULT_TENANT_DAILY_BYTES,
    queue: file.queue ?? DEFAULT_RECORDING_QUEUE,
  };
}
