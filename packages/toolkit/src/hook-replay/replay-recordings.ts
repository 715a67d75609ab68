import { ExtensionError, type ExtensionLimits } from "@ameide-ext/contract";
import type {
  Engine,
  ExecutionContext,
  HostCallPolicy,
  InvocationRecording,
  InvocationResult,
  LoadedExtension,
} from "@ameide-ext/runtime";
import { playRecordedHostCalls } from "./recorded-host-calls.js";

/** The module a recording runs against. */
export interface ReplayModule {
  /** How the report names it: "the recorded module", "hooks/deal-guard", "version 4". */
  label: string;
  /** The component. */
  bytes: Uint8Array;
  /** Its limits; default the recording's (what it ran under). */
  limits?: ExtensionLimits | undefined;
  /** Its host-call policy; default the recording's. */
  policy?: HostCallPolicy | undefined;
}

/** One recording, and where it came from (a file, or a runtime's key). */
export interface ReplaySource {
  source: string;
  recording: InvocationRecording;
}

/** Options of {@link replayRecordings}. */
export interface ReplayRecordingsOptions {
  /** The recordings, in the order to report them. */
  recordings: readonly ReplaySource[];
  /**
   * The module each recording runs against. Unset `against`: the recorded one,
   * whose sha256 must be the recording's (a replay of the same module).
   */
  moduleFor(recording: InvocationRecording): Promise<ReplayModule>;
  /** Set: a replay against another module (a hook folder, a version), named so in the report. */
  against?: string | undefined;
  /** Makes the engine. Default: `createEngine()` of @ameide-ext/runtime, on this thread. */
  createEngine?: (() => Promise<Engine>) | undefined;
}

/** What one run gave, as compared. */
export interface ReplayRun {
  outcome: InvocationRecording["outcome"];
  /** The output's exact JSON text when ok; else null. */
  output_json: string | null;
  error: InvocationRecording["error"];
  fuel_used: number;
  peak_memory_bytes: number;
}

/** What replaying one recording showed. */
export interface ReplayResult {
  source: string;
  id: string;
  extension_id: string;
  /** The version it was recorded with. */
  version: string;
  recorded_at: string;
  /**
   * Against the same module: `identical` (outcome, output, error and fuel, bit
   * for bit) or `mismatch`. Against another: `unchanged` or `changed` (outcome,
   * output or error differ; fuel alone is a delta, not a change). `skipped`: it
   * could not run (a sensitive input, which was not kept).
   */
  status: "identical" | "mismatch" | "unchanged" | "changed" | "skipped";
  /** What differs: any of "outcome", "output", "error", "fuel", "host_calls". */
  differences: string[];
  /** True when the recorded run was ok, or failed otherwise, and this one fails (a new error). */
  new_error: boolean;
  recorded: ReplayRun;
  /** Null when skipped. */
  replayed: ReplayRun | null;
  /** replayed − recorded fuel; null when skipped. */
  fuel_delta: number | null;
  /** Host calls without a recorded answer, requests that differ, recorded calls not made. */
  host_call_problems: string[];
  /** Why it was skipped. */
  skipped_reason?: "sensitive_input" | undefined;
}

/** What `ameide-ext replay` reports. */
export interface ReplayReport {
  /** `same`: against the recorded module (asserted identical); `against`: against another. */
  mode: "same" | "against";
  /** What it ran against, when not the recorded module. */
  against: string | null;
  total: number;
  replayed: number;
  skipped: number;
  /** Same module: recordings that ran identically, and those that did not (a failure). */
  identical: number;
  mismatches: number;
  /** Another module: recordings whose outcome, output or error changed, and the new errors among them. */
  changed: number;
  new_errors: number;
  fuel: { recorded: number; replayed: number; delta: number };
  /** One line: "version 4 changes 3 of the last 1,000 recorded decisions". */
  summary: string;
  results: ReplayResult[];
}

/** The recorded run, as compared. */
function recordedRun(r: InvocationRecording): ReplayRun {
  return {
    outcome: r.outcome,
    output_json: r.output_json,
    error: r.error,
    fuel_used: r.stats.fuel_used,
    peak_memory_bytes: r.stats.peak_memory_bytes,
  };
}

function replayedRun(result: InvocationResult): ReplayRun {
  let error: ReplayRun["error"] = null;
  const business = result.outcome === "business_error" ? result.businessError : undefined;
  if (business) {
    // As the runtime answers it: no reason, the details as JSON text.
    error = { code: business.code, reason: null, message: business.message };
    if (business.details !== undefined) error.details_json = JSON.stringify(business.details);
  } else if (result.outcome === "technical_error" && result.error)
    error = { code: result.error.code, reason: result.error.reason ?? null, message: result.error.message };
  return {
    outcome: result.outcome,
    output_json: result.outcome === "ok" ? (result.output ?? null) : null,
    error,
    fuel_used: result.stats.fuelUsed,
    peak_memory_bytes: result.stats.peakMemoryBytes,
  };
}

/** The recording's limits and policy, in the engine's form. */
function recordedLimits(r: InvocationRecording): ExtensionLimits {
  return { cpuMillis: r.limits.cpu_millis, memoryMb: r.limits.memory_mb, timeoutMs: r.limits.timeout_ms };
}

function recordedPolicy(r: InvocationRecording): HostCallPolicy {
  return {
    riskTier: r.risk_tier,
    allow: r.policy.allow.map((a) => ({ service: a.service, method: a.method, readOnly: a.read_only })),
    ...(r.policy.max_calls !== undefined ? { maxCalls: r.policy.max_calls } : {}),
  };
}

/** What differs between two runs: outcome, output, error (code, reason, details), and fuel when `withFuel`. */
function differencesOf(a: ReplayRun, b: ReplayRun, withFuel: boolean): string[] {
  const d: string[] = [];
  if (a.outcome !== b.outcome) d.push("outcome");
  if (a.output_json !== b.output_json) d.push("output");
  if (
    a.error?.code !== b.error?.code ||
    a.error?.reason !== b.error?.reason ||
    a.error?.details_json !== b.error?.details_json
  )
    d.push("error");
  if (withFuel && a.fuel_used !== b.fuel_used) d.push("fuel");
  return d;
}

/**
 * `ameide-ext replay`: runs each recording in a local engine, on this thread,
 * with its recorded input, context, limits, policy and host-call answers
 * (playRecordedHostCalls), and compares what it gives with what it gave.
 *
 * Against the same module (no `against`), the run must be the recorded one bit
 * for bit: the same outcome, output text, error code and reason, the same fuel,
 * and the same host calls; anything else is a `mismatch`, and the module's
 * sha256 must be the recording's (`failed_precondition / integrity` otherwise).
 * Against another module, the report lists the changed outputs, the new errors
 * and the fuel deltas. A recording whose input is sensitive (not kept) is
 * skipped. Throws only when a module cannot be had or loaded.
 */
export async function replayRecordings(options: ReplayRecordingsOptions): Promise<ReplayReport> {
  const same = options.against === undefined;
  const make = options.createEngine ?? (async () => (await import("@ameide-ext/runtime")).createEngine());
  const engine = await make();
  const loaded = new Map<string, Promise<{ ext: LoadedExtension; module: ReplayModule }>>();
  const load = (r: InvocationRecording) => {
    const key = same ? `${r.module_sha256}:${r.limits.memory_mb}` : `${r.extension_id}:${r.version}`;
    let found = loaded.get(key);
    if (!found) {
      found = (async () => {
        const module = await options.moduleFor(r);
        const limits = module.limits ?? recordedLimits(r);
        const ext = await engine.load(module.bytes, { limits, ...(same ? { sha256: r.module_sha256 } : {}) });
        return { ext, module };
      })();
      loaded.set(key, found);
    }
    return found;
  };
  const results: ReplayResult[] = [];
  try {
    for (const { source, recording: r } of options.recordings) {
      const base = {
        source,
        id: r.id,
        extension_id: r.extension_id,
        version: r.version,
        recorded_at: r.recorded_at,
        recorded: recordedRun(r),
      };
      if (r.input_json === null) {
        results.push({
          ...base,
          status: "skipped",
          differences: [],
          new_error: false,
          replayed: null,
          fuel_delta: null,
          host_call_problems: [],
          skipped_reason: "sensitive_input",
        });
        continue;
      }
      const { ext, module } = await load(r);
      const player = playRecordedHostCalls(r.host_calls, same);
      const result = engine.invokeInline(ext, {
        input: r.input_json,
        limits: { cpuMillis: ext.limits.cpuMillis, timeoutMs: ext.limits.timeoutMs },
        policy: module.policy ?? recordedPolicy(r),
        ctx: r.ctx as unknown as ExecutionContext,
        hostHandler: player.handler,
      });
      const replayed = replayedRun(result);
      const problems = player.problems();
      const differences = differencesOf(base.recorded, replayed, same);
      if (problems.length > 0) differences.push("host_calls");
      const newError =
        replayed.outcome !== "ok" && (base.recorded.outcome === "ok" || differences.includes("error"));
      const changed = differences.some((d) => d !== "fuel" && d !== "host_calls");
      results.push({
        ...base,
        status: same
          ? differences.length === 0
            ? "identical"
            : "mismatch"
          : changed
            ? "changed"
            : "unchanged",
        differences,
        new_error: newError,
        replayed,
        fuel_delta: replayed.fuel_used - base.recorded.fuel_used,
        host_call_problems: problems,
      });
    }
  } finally {
    await engine.close();
  }
  return reportOf(results, options.against);
}

/** The counts and the summary line of a replay's results. */
function reportOf(results: ReplayResult[], against: string | undefined): ReplayReport {
  const ran = results.filter((r) => r.replayed !== null);
  const recordedFuel = ran.reduce((n, r) => n + r.recorded.fuel_used, 0);
  const replayedFuel = ran.reduce((n, r) => n + (r.replayed?.fuel_used ?? 0), 0);
  const count = (status: ReplayResult["status"]) => results.filter((r) => r.status === status).length;
  const n = (x: number) => x.toLocaleString("en-US");
  const mismatches = count("mismatch");
  const changed = count("changed");
  const summary =
    against === undefined
      ? mismatches === 0
        ? `the recorded module gives the same output and fuel for ${n(ran.length)} of ${n(ran.length)} recorded decisions`
        : `the recorded module differs from its recording in ${n(mismatches)} of ${n(ran.length)} recorded decisions`
      : `${against} changes ${n(changed)} of the last ${n(ran.length)} recorded decisions`;
  return {
    mode: against === undefined ? "same" : "against",
    against: against ?? null,
    total: results.length,
    replayed: ran.length,
    skipped: results.length - ran.length,
    identical: count("identical"),
    mismatches,
    changed,
    new_errors: results.filter((r) => r.new_error).length,
    fuel: { recorded: recordedFuel, replayed: replayedFuel, delta: replayedFuel - recordedFuel },
    summary,
    results,
  };
}

/** `invalid_argument / invalid_input`: a replay with nothing to replay. */
export function noRecordings(where: string): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    `no recordings ${where}; widen --since, or check the extension's recording.sample`,
    "invalid_input",
  );
}
