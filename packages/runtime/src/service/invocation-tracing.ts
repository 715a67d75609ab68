import type { ExtensionKind } from "@ameide-ext/contract";
import type { InvokeExtensionResponse } from "@ameide-ext/proto";
import {
  type Attributes,
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { InvocationResult } from "../engine/types.js";
import { type BatchAnswer, outcomeAt, resultAt } from "./batch-response.js";
import type { InvocationRequestFields } from "./invocation-log.js";

/** The names of the runtime's spans (docs/runtime-service.md, "Traces"). */
export const SPAN_NAMES = {
  /** One InvokeExtension: a server span, the caller's `traceparent` its parent. */
  invocation: "ameide.extension.invoke",
  /** One InvokeExtensionBatch: a server span, each input's outcome counted in its attributes. */
  batch: "ameide.extension.invoke_batch",
  /** A module fetched, verified and compiled on a cache miss: child of the invocation that missed. */
  moduleFetch: "ameide.extension.module_fetch",
  /** One host call: a client span, child of its invocation, its `traceparent` sent with the request. */
  hostCall: "ameide.extension.host_call",
} as const;

/** The §6.5 hook kind of a catalog entry's kind: `process`, `domain` or `agent`. */
const HOOK_KINDS: Record<ExtensionKind, string> = {
  process_hook: "process",
  domain_hook: "domain",
  agent_tool: "agent",
};

const headersGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};

/** The trace context a request's headers carry (W3C `traceparent` with the default propagator), for the invocation's span. */
export function traceContextOfHeaders(headers: Headers): Context {
  return propagation.extract(ROOT_CONTEXT, headers, headersGetter);
}

/** The request's fields every invocation span carries from its start: who asked for what. */
function requestAttributes(req: InvocationRequestFields): Attributes {
  const c = req.ctx;
  return {
    "ameide.tenant_id": c?.tenantId ?? "",
    "ameide.org_id": c?.orgId ?? "",
    "ameide.user_id": c?.userId ?? "",
    "ameide.actor_type": c?.actorType ?? "",
    "ameide.correlation_id": c?.correlationId ?? "",
    "ameide.extension_id": req.extensionId,
    "ameide.requested_version": req.version,
  };
}

/** Starts the span of one invocation (or batch) under `parent`; returns it and the context its children start in. */
export function startInvocationSpan(
  tracer: Tracer,
  name: string,
  parent: Context,
  req: InvocationRequestFields,
): { span: Span; context: Context } {
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: requestAttributes(req) }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** The resolved entry's attributes: version, hook kind, risk tier and module. */
function entryAttributes(entry: CatalogEntry | undefined): Attributes {
  if (!entry) return {};
  return {
    "ameide.extension_version": entry.version,
    "ameide.hook_kind": HOOK_KINDS[entry.kind],
    "ameide.risk_tier": entry.riskTier,
    "ameide.module_sha256": entry.ref.sha256,
  };
}

/** The outcome attributes of a span: a technical error's code and reason too, and the span's status set to error. */
function outcomeAttributes(span: Span, outcome: string, code: string, reason: string): Attributes {
  if (outcome !== "technical_error") return { "ameide.outcome": outcome };
  span.setStatus({ code: SpanStatusCode.ERROR, message: reason === "" ? code : `${code}/${reason}` });
  return { "ameide.outcome": outcome, "ameide.error_code": code, "ameide.error_reason": reason };
}

/** Ends an invocation's span with the §6.5 fields of its answer: usage, outcome, error code and reason. */
export function endInvocationSpan(
  span: Span,
  entry: CatalogEntry | undefined,
  response: InvokeExtensionResponse,
  outcome: InvocationResult["outcome"],
  latencyMs: number,
): void {
  const s = response.stats;
  // One setAttributes call: each call checks and copies what it is given.
  span.setAttributes({
    ...entryAttributes(entry),
    "ameide.latency_ms": latencyMs,
    "ameide.fuel_used": Number(s?.fuelUsed ?? 0n),
    "ameide.fuel_limit": Number(s?.fuelLimit ?? 0n),
    "ameide.peak_memory_bytes": Number(s?.peakMemoryBytes ?? 0n),
    "ameide.output_bytes": Number(s?.outputBytes ?? 0n),
    "ameide.host_calls": s?.hostCalls ?? 0,
    ...(outcome === "business_error" ? { "ameide.error_code": response.errorCode } : {}),
    ...outcomeAttributes(span, outcome, response.errorCode, response.errorReason),
  });
  span.end();
}

/**
 * Ends a batch's span: its size, how many inputs ended in each outcome, the
 * fuel and output bytes of all of them, the largest memory any reached; a
 * refusal of the whole batch is its technical error.
 */
export function endBatchSpan(
  span: Span,
  entry: CatalogEntry | undefined,
  answer: BatchAnswer,
  latencyMs: number,
): void {
  const counts = { ok: 0, business_error: 0, technical_error: 0 };
  let fuel = 0;
  let outputBytes = 0;
  let peakMemory = 0;
  for (let i = 0; i < answer.count; i++) {
    counts[outcomeAt(answer, i)]++;
    const s = resultAt(answer, i)?.stats;
    if (!s) continue;
    fuel += s.fuelUsed;
    outputBytes += s.outputBytes;
    peakMemory = Math.max(peakMemory, s.peakMemoryBytes);
  }
  const refusal = answer.refusal;
  const outcome = refusal
    ? outcomeAttributes(span, "technical_error", refusal.code, refusal.reason ?? "")
    : {
        "ameide.outcome":
          counts.technical_error > 0
            ? "technical_error"
            : counts.business_error > 0
              ? "business_error"
              : "ok",
      };
  span.setAttributes({
    ...entryAttributes(entry),
    ...outcome,
    "ameide.latency_ms": latencyMs,
    "ameide.batch.size": answer.count,
    "ameide.batch.ok": counts.ok,
    "ameide.batch.business_error": counts.business_error,
    "ameide.batch.technical_error": counts.technical_error,
    "ameide.fuel_used": fuel,
    "ameide.output_bytes": outputBytes,
    "ameide.peak_memory_bytes": peakMemory,
  });
  span.end();
}
