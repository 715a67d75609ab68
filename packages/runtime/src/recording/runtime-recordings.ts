import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ConnectHostCaller } from "../host/connect-host-caller.js";
import type { RuntimeSettings } from "../service/runtime-settings.js";
import { createFileRecordingStore, type RecordingStore } from "../store/recording-store.js";
import { createS3RecordingStore } from "../store/s3-recording-store.js";
import { tapeHostCalls } from "./host-call-tape.js";
import { createInvocationRecordings, type InvocationRecordings } from "./invocation-recordings.js";

/** A runtime's recording parts: the host caller the dispatch uses, and the recordings (none when off). */
export interface RuntimeRecordings {
  hostCaller: ConnectHostCaller;
  recordings: InvocationRecordings | undefined;
}

/**
 * Sets up recording for a runtime: off (the host caller as given) when
 * `settings.recordings.location` is unset and no store is given; else a store
 * for the location (`s3://bucket/prefix` through the module store's S3
 * settings, or a folder) and a host caller that keeps each invocation's calls.
 */
export function setUpRecordings(
  settings: RuntimeSettings,
  parts: { hostCaller: ConnectHostCaller; logger: Logger; metrics: { registry: Registry } },
  given: RecordingStore | undefined,
): RuntimeRecordings {
  const store = given ?? recordingStoreAt(settings);
  if (!store) return { hostCaller: parts.hostCaller, recordings: undefined };
  parts.logger.info(
    { event: "recordings", location: store.location },
    `recording every failed invocation and each version's sample of the others to ${store.location}`,
  );
  const tapes = tapeHostCalls(parts.hostCaller);
  const recordings = createInvocationRecordings({
    store,
    settings: settings.recordings,
    tapes,
    logger: parts.logger,
    registry: parts.metrics.registry,
  });
  return { hostCaller: tapes.hostCaller, recordings };
}

/** The recording store `settings.recordings.location` names; undefined when recording is off. */
export function recordingStoreAt(settings: RuntimeSettings): RecordingStore | undefined {
  const location = settings.recordings.location;
  if (location === undefined) return undefined;
  if (!location.startsWith("s3://")) return createFileRecordingStore({ root: location });
  const rest = location.slice("s3://".length);
  const slash = rest.indexOf("/");
  const s3 = settings.store.s3;
  return createS3RecordingStore({
    bucket: slash < 0 ? rest : rest.slice(0, slash),
    prefix: slash < 0 ? undefined : rest.slice(slash + 1),
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: s3.credentials,
    timeoutMs: s3.fetchTimeoutMs,
  });
}
