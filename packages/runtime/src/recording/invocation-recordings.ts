import { createHash, randomBytes } from "node:crypto";
import type { InvokeExtensionResponse } from "@ameide-ext/proto";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { ExecutionContext, Outcome } from "../engine/types.js";
import type { RecordingStore } from "../store/recording-store.js";
import type { HostCallTapes } from "./host-call-tape.js";
import { type InvocationRecording, RECORDING_FORMAT, recordingKey } from "./invocation-recording.js";
import type { RecordingSettings } from "./recording-settings.js";
import { createWriteQueue, type WriteTicket } from "./write-queue.js";

/**
 * One finished invocation, as the invocation recorder hands it over once its answer has gone (its
 * FinishedInvocation, as is: nothing is copied for the invocations the sample leaves out).
 */
export interface RanInvocation {
  /** The catalog entry it resolved to; undefined when none (not recorded). */
  entry: CatalogEntry | undefined;
  /** The request: the version the caller asked for. */
  req: { version: string };
  /** Set when the guest ran: its context and input, as received. Unset: not recorded. */
  ran?: { ctx: ExecutionContext; input: Uint8Array } | undefined;
  response: InvokeExtensionResponse;
  outcome: Outcome;
  latencyMs: number;
}

/** An invocation kept for recording: it ran, and it resolved to an entry. */
interface KeptInvocation extends RanInvocation {
  entry: CatalogEntry;
  ran: { ctx: ExecutionContext; input: Uint8Array };
}

/** Why a recording was not written: the `reason` label of `ameide_ext_recordings_dropped_total`. */
export type RecordingDrop =
  | "queue_full"
  | "too_large"
  | "tenant_daily_cap"
  | "store_error"
  | "build_error"
  | "shutdown";

/** Longest {@link InvocationRecordings.close} waits for the queue to be written, in milliseconds. */
export const CLOSE_GRACE_MS = 2_000;
/** The most recording writes in flight, whatever a store asks for (RecordingStore.writers). */
export const MAX_RECORDING_WRITERS = 16;

/** Records invocations into the recording store, off the answers' latency. */
export interface InvocationRecordings {
  /**
   * Takes one finished invocation: kept when the guest ran and it failed
   * (business or technical error), or when the sample of its version's
   * `recording.sample` picks it; queued, and written later. Cheap: no copy,
   * no JSON, no I/O.
   */
  offer(ran: RanInvocation): void;
  /**
   * Whether an invocation of `entry` that ended `outcome` is to be kept: every
   * failure, and `recording.sample` of the ok ones (one draw per call, only
   * for those). False when it resolved to no entry, or once closed. Nothing
   * else is done: what the sample leaves out costs its caller no object.
   */
  sampled(entry: CatalogEntry | undefined, outcome: Outcome): boolean;
  /** Queues an invocation {@link sampled} kept, without drawing again (what {@link offer} does after it). */
  keep(ran: RanInvocation): void;
  /** Resolves once every recording queued so far is written (or dropped). */
  flush(): Promise<void>;
  /**
   * Takes no more, writes what is queued for at most `graceMs` (default
   * {@link CLOSE_GRACE_MS}), drops the rest (counted as `shutdown`), and
   * releases the store: a store that hangs never holds a shutdown longer.
   */
  close(graceMs?: number): Promise<void>;
  /** The store written to. */
  readonly store: RecordingStore;
}

/** Options of {@link createInvocationRecordings}. */
export interface InvocationRecordingsOptions {
  store: RecordingStore;
  settings: RecordingSettings;
  tapes: HostCallTapes;
  logger: Logger;
  /** The metrics registry the counters join. */
  registry: Registry;
  /** Random numbers in [0, 1) for the sample. Default Math.random. */
  random?: () => number;
  /** The clock. Default Date.now. */
  now?: () => number;
}

const decoder = new TextDecoder();
/** Least time between two log lines about failed writes, in milliseconds. */
const WARN_EVERY_MS = 60_000;

/**
 * Creates the invocation recordings (docs/runtime-service.md, "Recordings"):
 * every error and a sample of successes, each built as JSON and written one at
 * a time by a loop of its own, after the invocation's answer has gone. A full
 * queue, a recording over `maxBytes`, a tenant past its bytes for the UTC day,
 * and a store that fails each drop the recording and count it
 * (`ameide_ext_recordings_dropped_total{reason}`); written ones are counted in
 * `ameide_ext_recordings_written_total`.
 */
export function createInvocationRecordings(options: InvocationRecordingsOptions): InvocationRecordings {
  const { store, settings, tapes, logger } = options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const written = new Counter({
    name: "ameide_ext_recordings_written_total",
    help: "Invocation recordings written to the recording store",
    registers: [options.registry],
  });
  const dropped = new Counter({
    name: "ameide_ext_recordings_dropped_total",
    help: "Invocation recordings not written, by reason: queue_full, too_large, tenant_daily_cap, store_error, build_error, shutdown",
    labelNames: ["reason"] as const,
    registers: [options.registry],
  });
  const drop = (reason: RecordingDrop) => dropped.inc({ reason });
  const daily = new Map<string, { day: string; bytes: number }>();
  let warnedAt = Number.NEGATIVE_INFINITY;
  let closed = false;
  /** True once close has released the store (a second close does not release it again). */
  let storeReleased = false;

  /** Counts `bytes` against the tenant's day; false when that would pass the cap. */
  const withinDay = (tenant: string, bytes: number, at: number): boolean => {
    const day = new Date(at).toISOString().slice(0, 10);
    let used = daily.get(tenant);
    if (!used || used.day !== day) {
      used = { day, bytes: 0 };
      daily.set(tenant, used);
    }
    if (used.bytes + bytes > settings.tenantDailyBytes) return false;
    used.bytes += bytes;
    return true;
  };
  /** Takes `bytes` off what the tenant's day has counted (a write that failed). */
  const giveBack = (tenant: string, bytes: number) => {
    const used = daily.get(tenant);
    if (used) used.bytes = Math.max(0, used.bytes - bytes);
  };

  // Writes in flight at most: what the store takes at once (an S3 store several, as its PUTs wait on the network).
  const writers = Math.max(1, Math.min(MAX_RECORDING_WRITERS, Math.floor(store.writers ?? 1) || 1));
  /** Logs a failed recording, at most once every WARN_EVERY_MS. */
  const warn = (cause: unknown, what: string) => {
    if (now() - warnedAt < WARN_EVERY_MS) return;
    warnedAt = now();
    const error = cause instanceof Error ? cause.message : String(cause);
    logger.warn(
      { event: "recording_failed", location: store.location, error },
      `an invocation recording could not be ${what}: ${error}`,
    );
  };
  /** The recording's key and JSON bytes; undefined (counted `build_error`) when it cannot be built. */
  const encodeOne = (ran: KeptInvocation, at: number): { key: string; bytes: Uint8Array } | undefined => {
    try {
      const doc = buildRecording(ran, tapes, at);
      return { key: recordingKey(doc), bytes: new TextEncoder().encode(JSON.stringify(doc)) };
    } catch (cause) {
      // A throw here would reject the write unseen (an unhandled rejection) and count it nowhere.
      drop("build_error");
      warn(cause, "built");
      return undefined;
    }
  };
  /** Writes one recording; one the queue gave up on (close) counts nothing: close counted it a `shutdown` drop. */
  const writeOne = async ({ ran, at }: { ran: KeptInvocation; at: number }, write: WriteTicket) => {
    const encoded = encodeOne(ran, at);
    if (encoded === undefined) return;
    const { key, bytes } = encoded;
    if (bytes.length > settings.maxBytes) return drop("too_large");
    if (!withinDay(ran.entry.tenantId, bytes.length, at)) return drop("tenant_daily_cap");
    try {
      await store.put(key, bytes);
      if (!write.abandoned) written.inc();
    } catch (cause) {
      // Not stored: its bytes go back to the tenant's day (a failing store must not use up its recordings).
      giveBack(ran.entry.tenantId, bytes.length);
      if (write.abandoned) return;
      drop("store_error");
      warn(cause, `written to ${store.location}`);
    }
  };

  const writes = createWriteQueue(writers, writeOne);

  return {
    store,
    offer(ran) {
      if (ran.ran && this.sampled(ran.entry, ran.outcome)) this.keep(ran);
    },
    sampled(entry, outcome) {
      if (closed || !entry) return false;
      return outcome !== "ok" || random() < entry.recording.sample;
    },
    keep(ran) {
      if (closed || !ran.ran || !ran.entry) return;
      if (writes.queued >= settings.queue) return drop("queue_full");
      writes.push({ ran: ran as KeptInvocation, at: now() });
    },
    flush: () => writes.flush(),
    async close(graceMs = CLOSE_GRACE_MS) {
      closed = true;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([this.flush(), late]);
      clearTimeout(timer);
      // What is left, queued or in flight, is given up: counted now, and not again should a write end later.
      const left = writes.abandon();
      if (left > 0) dropped.inc({ reason: "shutdown" }, left);
      if (storeReleased) return;
      storeReleased = true;
      try {
        store.close?.();
      } catch (cause) {
        // Everything is counted by now: a store that fails to let go is logged, not the closer's failure.
        const error = cause instanceof Error ? cause.message : String(cause);
        logger.warn(
          { event: "recording_store_close_failed", location: store.location, error },
          `the recording store ${store.location} could not be closed: ${error}`,
        );
      }
    },
  };
}

/** The error of a response, as recorded. */
function errorOf(r: InvokeExtensionResponse): NonNullable<InvocationRecording["error"]> {
  const error: NonNullable<InvocationRecording["error"]> = {
    code: r.errorCode,
    reason: r.errorReason === "" ? null : r.errorReason,
    message: r.errorMsg,
  };
  if (r.errorDetailsJson.length > 0) error.details_json = decoder.decode(r.errorDetailsJson);
  return error;
}

/** The recording of one invocation that ran. */
function buildRecording(ran: KeptInvocation, tapes: HostCallTapes, at: number): InvocationRecording {
  const { entry, response: r } = ran;
  const { ctx: context, input } = ran.ran;
  const s = r.stats;
  const ctx: Record<string, string> = {};
  for (const [k, v] of Object.entries(context)) if (typeof v === "string") ctx[k] = v;
  const sensitive = entry.recording.sensitiveInput;
  return {
    format: RECORDING_FORMAT,
    id: randomBytes(8).toString("hex"),
    recorded_at: new Date(at).toISOString(),
    tenant_id: entry.tenantId,
    extension_id: entry.extensionId,
    requested_version: ran.req.version,
    version: entry.version,
    module_sha256: entry.ref.sha256,
    module_ref: entry.ref.ref,
    kind: entry.kind,
    risk_tier: entry.riskTier,
    limits: {
      cpu_millis: entry.limits.cpuMillis,
      memory_mb: entry.limits.memoryMb,
      timeout_ms: entry.limits.timeoutMs,
    },
    policy: {
      allow: (entry.policy.allow ?? []).map((a) => ({
        service: a.service,
        method: a.method,
        read_only: a.readOnly === true,
      })),
      ...(entry.policy.maxCalls !== undefined ? { max_calls: entry.policy.maxCalls } : {}),
    },
    ctx,
    input_json: sensitive ? null : decoder.decode(input),
    input_sha256: createHash("sha256").update(input).digest("hex"),
    input_sensitive: sensitive,
    host_calls: tapes.callsOf(context),
    outcome: ran.outcome,
    output_json: ran.outcome === "ok" ? decoder.decode(r.outputJson) : null,
    error: ran.outcome === "ok" ? null : errorOf(r),
    stats: {
      fuel_used: Number(s?.fuelUsed ?? 0n),
      fuel_limit: Number(s?.fuelLimit ?? 0n),
      peak_memory_bytes: Number(s?.peakMemoryBytes ?? 0n),
      memory_limit_bytes: Number(s?.memoryLimitBytes ?? 0n),
      output_bytes: Number(s?.outputBytes ?? 0n),
      duration_us: Number(s?.durationUs ?? 0n),
      host_calls: Number(s?.hostCalls ?? 0),
    },
    latency_ms: Math.round(ran.latencyMs * 1000) / 1000,
  };
}
