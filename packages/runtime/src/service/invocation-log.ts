import type { InvokeExtensionRequest, InvokeExtensionResponse } from "@ameide-ext/proto";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { GuestLogLine, Outcome } from "../engine/types.js";
import { type BatchAnswer, outcomeAt, resultAt, startedAt } from "./batch-response.js";
import { hookKind } from "./hook-kind.js";

/** What a log line reads of the request: InvokeExtensionRequest's, or an InvokeExtensionBatchRequest's for one of its inputs. */
export type InvocationRequestFields = Pick<
  InvokeExtensionRequest,
  "ctx" | "extensionId" | "version" | "consumerRef"
>;

/** How much of the guest's log goes into the runtime's line. */
export interface GuestLogBudget {
  /** Lines copied, from the first. */
  maxLines: number;
  /** Characters kept of each line; a longer one is cut with "…". */
  maxChars: number;
}

/** The fields of the one log line per invocation (spec 479 §6.5): docs/runtime-service.md lists them. */
export interface InvocationLogLine {
  event: "invocation";
  tenant_id: string;
  org_id: string;
  user_id: string;
  actor_type: string;
  correlation_id: string;
  extension_id: string;
  version: string;
  requested_version: string;
  /** Who invoked, as the request's `consumer_ref` said (pins resolve `latest` for it); empty when none. */
  consumer_ref: string;
  /** The hook kind (§6.5): `process`, `domain` or `agent`; empty when the request resolved to no entry. */
  kind: string;
  latency_ms: number;
  duration_us: number;
  fuel_used: number;
  fuel_limit: number;
  peak_memory_bytes: number;
  host_calls: number;
  outcome: Outcome;
  error_code: string;
  error_reason: string;
  guest_logs: string[];
  guest_logs_dropped: number;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** Builds the log line of one invocation from its request, what it resolved to, and its response. */
export function invocationLogLine(
  req: InvocationRequestFields,
  entry: CatalogEntry | undefined,
  response: InvokeExtensionResponse,
  outcome: Outcome,
  latencyMs: number,
  guestLogs: readonly GuestLogLine[],
  budget: GuestLogBudget,
): InvocationLogLine {
  const c = req.ctx;
  const s = response.stats;
  return {
    event: "invocation",
    tenant_id: c?.tenantId ?? "",
    org_id: c?.orgId ?? "",
    user_id: c?.userId ?? "",
    actor_type: c?.actorType ?? "",
    correlation_id: c?.correlationId ?? "",
    extension_id: req.extensionId,
    version: entry?.version ?? "",
    requested_version: req.version,
    consumer_ref: req.consumerRef,
    kind: entry ? hookKind(entry.kind) : "",
    latency_ms: Math.round(latencyMs * 1000) / 1000,
    duration_us: Number(s?.durationUs ?? 0n),
    fuel_used: Number(s?.fuelUsed ?? 0n),
    fuel_limit: Number(s?.fuelLimit ?? 0n),
    peak_memory_bytes: Number(s?.peakMemoryBytes ?? 0n),
    host_calls: s?.hostCalls ?? 0,
    outcome,
    error_code: response.errorCode,
    error_reason: response.errorReason,
    guest_logs: guestLogs
      .slice(0, budget.maxLines)
      .map((l) => `[${l.level}] ${truncate(l.message, budget.maxChars)}`),
    guest_logs_dropped: Math.max(0, guestLogs.length - budget.maxLines),
  };
}

/** The fields of the one summary line per InvokeExtensionBatch: docs/runtime-service.md lists them. */
export interface BatchLogLine {
  event: "invocation_batch";
  tenant_id: string;
  org_id: string;
  user_id: string;
  actor_type: string;
  correlation_id: string;
  extension_id: string;
  version: string;
  requested_version: string;
  /** As in InvocationLogLine. */
  consumer_ref: string;
  kind: string;
  inputs: number;
  ok: number;
  business_error: number;
  technical_error: number;
  /** Inputs that never started (counted in technical_error): the batch's deadline had passed, or the breaker refused them. */
  not_started: number;
  latency_ms: number;
  fuel_used: number;
  /** The code and reason that refused every input (an unknown extension, an open breaker…); empty when the inputs ran. */
  error_code: string;
  error_reason: string;
}

/** Builds the summary line of one batch from its request, what it resolved to, and its answer. */
export function batchLogLine(
  req: InvocationRequestFields,
  entry: CatalogEntry | undefined,
  answer: BatchAnswer,
  latencyMs: number,
): BatchLogLine {
  const c = req.ctx;
  const counts = { ok: 0, business_error: 0, technical_error: 0 };
  let fuel = 0;
  let notStarted = 0;
  for (let i = 0; i < answer.count; i++) {
    counts[outcomeAt(answer, i)]++;
    fuel += resultAt(answer, i)?.stats.fuelUsed ?? 0;
    if (!startedAt(answer, i)) notStarted++;
  }
  const refusal = answer.refusal;
  return {
    event: "invocation_batch",
    tenant_id: c?.tenantId ?? "",
    org_id: c?.orgId ?? "",
    user_id: c?.userId ?? "",
    actor_type: c?.actorType ?? "",
    correlation_id: c?.correlationId ?? "",
    extension_id: req.extensionId,
    version: entry?.version ?? "",
    requested_version: req.version,
    consumer_ref: req.consumerRef,
    kind: entry ? hookKind(entry.kind) : "",
    inputs: answer.count,
    ...counts,
    not_started: notStarted,
    latency_ms: Math.round(latencyMs * 1000) / 1000,
    fuel_used: fuel,
    error_code: refusal?.code ?? "",
    error_reason: refusal?.reason ?? "",
  };
}
