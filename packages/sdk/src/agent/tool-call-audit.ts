import { randomUUID } from "node:crypto";
import type { ExecutionContext, ExtensionError } from "@ameide-ext/contract";
import type { InvokeResult } from "../read-response.js";
import type { AuditError, AuditRecord, AuditSink } from "./audit-record.js";

/** What ends an audit record, by how the call ended. */
export type RecordEnd = Omit<
  AuditRecord,
  | "timestamp"
  | "tool"
  | "extensionId"
  | "requestedVersion"
  | "ctx"
  | "correlationId"
  | "toolCallId"
  | "elapsedMs"
>;

/** What a tool call's record starts from. */
export interface RecordStart {
  tool: string;
  extensionId: string;
  requestedVersion: string;
  toolCallId: string | undefined;
  now: () => Date;
  audit: (record: AuditRecord) => Promise<void>;
}

/** A call being recorded: the ctx it sends, and `finish`, which completes its record and audits it. */
export interface OpenRecord {
  /** The agent's ctx, with a fresh correlation id when it had none. */
  ctx: ExecutionContext;
  finish(end: RecordEnd): Promise<AuditRecord>;
}

/** Starts the record of one tool call, at its beginning (timestamp, clock for `elapsedMs`). */
export function openRecord(start: RecordStart, agentCtx: ExecutionContext): OpenRecord {
  const started = performance.now();
  const correlationId = agentCtx?.correlationId || randomUUID();
  const ctx: ExecutionContext = { ...agentCtx, correlationId };
  const begin = {
    timestamp: start.now().toISOString(),
    tool: start.tool,
    extensionId: start.extensionId,
    requestedVersion: start.requestedVersion,
    ctx,
    correlationId,
    ...(start.toolCallId === undefined ? {} : { toolCallId: start.toolCallId }),
  };
  return {
    ctx,
    async finish(end) {
      const record: AuditRecord = { ...begin, ...end, elapsedMs: performance.now() - started };
      await start.audit(record);
      return record;
    },
  };
}

/**
 * Writes records to `sink`, never failing: a sink that throws or rejects is
 * reported to `onAuditError` (default one line on stderr), and the tool answers.
 */
export function auditWriter(
  sink: AuditSink | undefined,
  onAuditError: ((error: unknown, record: AuditRecord) => void) | undefined,
): (record: AuditRecord) => Promise<void> {
  if (sink === undefined) return async () => undefined;
  const report =
    onAuditError ??
    ((error: unknown, r: AuditRecord) =>
      console.warn(
        `the audit sink lost the record of ${r.tool} (correlation ${r.correlationId}): ${(error as Error)?.message ?? String(error)}`,
      ));
  return async (record) => {
    try {
      await sink.write(record);
    } catch (error) {
      try {
        report(error, record);
      } catch {
        // A failing report must not cost the tool's answer either.
      }
    }
  };
}

/** The run facts of a call the runtime never ran. */
export const notRun = () => ({ resolvedVersion: "", moduleSha256: "", logs: [], fuelUsed: 0, durationUs: 0 });

/** The run facts of an answer. */
export function ranWith(res: InvokeResult): Omit<RecordEnd, "outcome" | "inputBytes"> {
  return {
    resolvedVersion: res.resolvedVersion,
    moduleSha256: res.moduleSha256,
    logs: res.logs,
    fuelUsed: res.stats.fuelUsed,
    durationUs: res.stats.durationUs,
  };
}

/** What a technical error says about the run that failed, when the runtime got that far. */
export function ranBefore(err: ExtensionError): Omit<RecordEnd, "outcome" | "inputBytes"> {
  const d = err.details ?? {};
  const stats = (d.stats ?? {}) as { fuelUsed?: unknown; durationUs?: unknown };
  return {
    resolvedVersion: typeof d.resolvedVersion === "string" ? d.resolvedVersion : "",
    moduleSha256: typeof d.moduleSha256 === "string" ? d.moduleSha256 : "",
    logs: Array.isArray(d.logs) ? (d.logs as AuditRecord["logs"]) : [],
    fuelUsed: typeof stats.fuelUsed === "number" ? stats.fuelUsed : 0,
    durationUs: typeof stats.durationUs === "number" ? stats.durationUs : 0,
  };
}

/** An ExtensionError as an audit record keeps it: what the record holds elsewhere left out of its details. */
export function auditError(err: ExtensionError): AuditError {
  const { resolvedVersion, moduleSha256, stats, logs, ...rest } = err.details ?? {};
  const error: AuditError = { code: err.code, message: err.message };
  if (err.reason !== undefined) error.reason = err.reason;
  if (Object.keys(rest).length > 0) error.details = rest;
  return error;
}
