import { isDeepStrictEqual } from "node:util";
import { ExtensionError } from "@ameide-ext/contract";
import type { RuntimeClient } from "../runtime-client.js";
import type { AuditError, AuditOutcome, AuditRecord } from "./audit-record.js";

/** One way a replay differs from its record. */
export interface ReplayDifference {
  /** `moduleSha256` (another module behind the version), `outcome`, `output`, `error` or `fuelUsed`. */
  field: "moduleSha256" | "outcome" | "output" | "error" | "fuelUsed";
  recorded: unknown;
  replayed: unknown;
}

/** What a replay found. */
export interface ReplayReport {
  /** True when the replay ran the same module to the same outcome, output or error, and fuel. */
  same: boolean;
  /** Each difference, in the order of {@link ReplayDifference.field}'s list. */
  differences: ReplayDifference[];
  /** How the replay ended. */
  outcome: Exclude<AuditOutcome, "invalid_arguments">;
  moduleSha256: string;
  output?: unknown;
  error?: AuditError | undefined;
  fuelUsed: number;
}

/** Options of {@link replayAuditRecord}. */
export interface ReplayOptions {
  /** Deadline in milliseconds. Default the client's. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

type Replayed = Omit<ReplayReport, "same" | "differences">;

async function runAgain(client: RuntimeClient, r: AuditRecord, options: ReplayOptions): Promise<Replayed> {
  try {
    const res = await client.invoke({
      extensionId: r.extensionId,
      version: r.resolvedVersion,
      ctx: r.ctx,
      input: r.input,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      hookPoint: "agent/replay",
    });
    const base = { moduleSha256: res.moduleSha256, fuelUsed: res.stats.fuelUsed };
    return res.outcome === "ok"
      ? { ...base, outcome: "ok", output: res.output }
      : { ...base, outcome: "business_error", error: res.businessError };
  } catch (cause) {
    const err = ExtensionError.from(cause);
    const d = err.details ?? {};
    const stats = (d.stats ?? {}) as { fuelUsed?: unknown };
    return {
      outcome: "technical_error",
      moduleSha256: typeof d.moduleSha256 === "string" ? d.moduleSha256 : "",
      fuelUsed: typeof stats.fuelUsed === "number" ? stats.fuelUsed : 0,
      error: { code: err.code, reason: err.reason, message: err.message },
    };
  }
}

/** The part of an error a replay must give again: a business error whole, a technical one by code and reason. */
function errorKey(outcome: AuditOutcome, error: AuditError | undefined): unknown {
  if (error === undefined) return undefined;
  if (outcome === "technical_error") return { code: error.code, reason: error.reason };
  return { code: error.code, message: error.message, details: error.details };
}

/** What the runtime answered in a recorded call: an output its schema refused was an "ok" answer. */
function runtimeAnswer(r: AuditRecord): { outcome: AuditOutcome; error: AuditError | undefined } {
  if (r.outcome === "technical_error" && r.error?.reason === "invalid_output")
    return { outcome: "ok", error: undefined };
  return { outcome: r.outcome, error: r.error };
}

function compare(r: AuditRecord, again: Replayed): ReplayDifference[] {
  const was = runtimeAnswer(r);
  const checks: Array<[ReplayDifference["field"], unknown, unknown]> = [
    ["moduleSha256", r.moduleSha256, again.moduleSha256],
    ["outcome", was.outcome, again.outcome],
    ["output", r.output, again.output],
    ["error", errorKey(was.outcome, was.error), errorKey(again.outcome, again.error)],
    ["fuelUsed", r.fuelUsed, again.fuelUsed],
  ];
  return checks
    .filter(([field, recorded, replayed]) => {
      if (field === "moduleSha256" && (recorded === "" || replayed === "")) return false;
      return !isDeepStrictEqual(recorded, replayed);
    })
    .map(([field, recorded, replayed]) => ({ field, recorded, replayed }));
}

/**
 * Runs a recorded tool call again: the same extension at the version that
 * ran, with the recorded ctx (correlation id included, which services treat
 * as the idempotency key of writes) and input, and compares what it gives
 * with the record. Extensions are deterministic, so a difference means the
 * module behind the version changed, or a host call answered otherwise.
 * An output its schema refused (`internal/invalid_output`) is compared as
 * the "ok" answer the runtime gave. Throws `failed_precondition` for a record of a call that never ran
 * (refused arguments, an unknown extension): there is nothing to replay.
 */
export async function replayAuditRecord(
  client: RuntimeClient,
  record: AuditRecord,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  if (record.outcome === "invalid_arguments" || record.resolvedVersion === "" || !("input" in record))
    throw new ExtensionError(
      "failed_precondition",
      `the record of ${record.tool} at ${record.timestamp} (${record.outcome}) is of a call that never ran: it has no resolved version or input to replay`,
      undefined,
      { outcome: record.outcome, correlationId: record.correlationId },
    );
  const again = await runAgain(client, record, options);
  const differences = compare(record, again);
  return { same: differences.length === 0, differences, ...again };
}
