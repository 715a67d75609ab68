import { ExtensionError } from "@ameide-ext/contract";

/** The format tag every recording carries; a reader refuses any other. */
export const RECORDING_FORMAT = "ameide-ext.recording/v1";

/** One host call the guest made, and the answer it got, as recorded. */
export interface RecordedHostCall {
  service: string;
  method: string;
  /** The guest's request, JSON text, as sent. */
  request_json: string;
  /** The answer's JSON text when the call succeeded. */
  response_json?: string;
  /** The error the guest received instead (what the engine hands the guest: code and message). */
  error?: { code: string; message: string };
}

/**
 * One recorded invocation (docs/runtime-service.md, "Recordings"): enough to
 * run it again in a local engine with the same module, limits, policy and
 * host-call answers, and to compare what it gives with what it gave.
 */
export interface InvocationRecording {
  format: typeof RECORDING_FORMAT;
  /** Unique within its folder: the file name is `<time>-<id>.json`. */
  id: string;
  /** When the invocation ended, ISO 8601 UTC. */
  recorded_at: string;
  tenant_id: string;
  extension_id: string;
  /** The version the caller asked for ("latest" or exact). */
  requested_version: string;
  /** The version that ran. */
  version: string;
  /** Lowercase hex sha256 of the module that ran. */
  module_sha256: string;
  /** The catalog's `wasm_blob_ref` of that module. */
  module_ref: string;
  kind: string;
  risk_tier: "low" | "medium" | "high";
  /** The limits it ran under. */
  limits: { cpu_millis: number; memory_mb: number; timeout_ms: number };
  /** The host-call policy it ran under. */
  policy: {
    allow: Array<{ service: string; method: string; read_only: boolean }>;
    max_calls?: number | undefined;
  };
  /** The ExecutionContext, as the runtime resolved it. */
  ctx: Record<string, string>;
  /** The input's exact JSON text; null when the extension marks its input sensitive. */
  input_json: string | null;
  /** sha256 (hex) of the input's bytes. */
  input_sha256: string;
  /** True when the input was left out (`recording.sensitive_input`). */
  input_sensitive: boolean;
  /** Host calls, in the order the guest made them. */
  host_calls: RecordedHostCall[];
  outcome: "ok" | "business_error" | "technical_error";
  /** The output's exact JSON text when the outcome is ok; else null. */
  output_json: string | null;
  /** The business or technical error (a business error has no reason; its details are JSON text); null when ok. */
  error: { code: string; reason: string | null; message: string; details_json?: string | undefined } | null;
  stats: {
    fuel_used: number;
    fuel_limit: number;
    peak_memory_bytes: number;
    memory_limit_bytes: number;
    output_bytes: number;
    duration_us: number;
    host_calls: number;
  };
  /** Wall time of the whole invocation in the runtime, in milliseconds. */
  latency_ms: number;
}

/** A recording's key in its store: `recordings/<tenant>/<extension>/<version>/<time>-<id>.json`. */
export function recordingKey(
  r: Pick<InvocationRecording, "tenant_id" | "extension_id" | "version" | "recorded_at" | "id">,
): string {
  return `${recordingPrefix(r.tenant_id, r.extension_id)}${r.version}/${compactTime(r.recorded_at)}-${r.id}.json`;
}

/** The folder of one tenant's recordings of one extension, every version: `recordings/<tenant>/<extension>/`. */
export function recordingPrefix(tenantId: string, extensionId: string): string {
  return `recordings/${tenantId}/${extensionId}/`;
}

/** `2026-12-06T01:55:00.123Z` as `20261206T015500123Z`: file names sort by time. */
export function compactTime(iso: string): string {
  return iso.replace(/[-:.]/g, "");
}

const SEGMENT = "[A-Za-z0-9][A-Za-z0-9._+-]{0,127}";
const KEY = new RegExp(
  `^recordings/(${SEGMENT})/(${SEGMENT})/(${SEGMENT})/(\\d{8}T\\d{9}Z-[0-9a-f]{8,32})\\.json$`,
);

/** What a recording key names. */
export interface ParsedRecordingKey {
  key: string;
  tenantId: string;
  extensionId: string;
  version: string;
  /** `<time>-<id>`. */
  name: string;
}

/**
 * Parses a recording key, refusing anything else (`invalid_argument / invalid_input`): a
 * key is read from a caller, and must never name a file outside the recordings.
 */
export function parseRecordingKey(key: string): ParsedRecordingKey {
  const m = KEY.exec(key);
  if (!m || key.includes(".."))
    throw new ExtensionError(
      "invalid_argument",
      `recording key ${JSON.stringify(key.slice(0, 300))} is not one; it looks like recordings/<tenant>/<extension>/<version>/<time>-<id>.json`,
      "invalid_input",
      { field: "key" },
    );
  return {
    key,
    tenantId: m[1] as string,
    extensionId: m[2] as string,
    version: m[3] as string,
    name: m[4] as string,
  };
}

/**
 * Checks a parsed document is a recording of this format (`invalid_argument / invalid_input`
 * otherwise, naming the field): what replay reads from a file or a runtime.
 */
export function checkRecording(doc: unknown, source: string): InvocationRecording {
  const bad = (field: string, want: string) =>
    new ExtensionError(
      "invalid_argument",
      `${source} is not a recording: ${field} must be ${want}`,
      "invalid_input",
      { field, source },
    );
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw bad("the document", "an object");
  const r = doc as Record<string, unknown>;
  if (r.format !== RECORDING_FORMAT) throw bad("format", JSON.stringify(RECORDING_FORMAT));
  for (const f of ["id", "tenant_id", "extension_id", "version", "module_sha256", "outcome", "input_sha256"])
    if (typeof r[f] !== "string") throw bad(f, "a string");
  if (r.input_json !== null && typeof r.input_json !== "string") throw bad("input_json", "a string or null");
  if (r.output_json !== null && typeof r.output_json !== "string")
    throw bad("output_json", "a string or null");
  if (!Array.isArray(r.host_calls)) throw bad("host_calls", "an array");
  const stats = r.stats as Record<string, unknown> | undefined;
  if (typeof stats?.fuel_used !== "number") throw bad("stats.fuel_used", "a number");
  const limits = r.limits as Record<string, unknown> | undefined;
  if (typeof limits?.cpu_millis !== "number") throw bad("limits.cpu_millis", "a number");
  return doc as InvocationRecording;
}
