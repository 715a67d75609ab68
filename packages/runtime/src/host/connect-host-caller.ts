import { ExtensionError, fromConnectCodeName, fromHttpStatus } from "@ameide-ext/contract";
import {
  type Context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { HostServiceEndpoint } from "../catalog/parse-catalog.js";
import type { ExecutionContext, HostCallHandler } from "../engine/types.js";
import { SPAN_NAMES } from "../service/invocation-tracing.js";
import type { HostCallClaims, TokenMinter } from "./token-minter.js";

/** What one host call came to, for metrics and logs. */
export interface HostCallOutcome {
  service: string;
  method: string;
  /** "ok", or the error code the guest received. */
  code: string;
  durationMs: number;
}

/** Options of {@link createConnectHostCaller}. */
export interface ConnectHostCallerOptions {
  /** The endpoints in force (the catalog's `host_services`); read on every call, so a catalog reload applies at once. */
  endpoints: () => ReadonlyMap<string, HostServiceEndpoint>;
  /** Signs the per-call tokens. */
  minter: TokenMinter;
  /**
   * Time kept back from the invocation's remaining time, so that a call cut at
   * its deadline still reaches the guest before the pool stops the worker.
   * Default: a fifth of the remaining time, at least 5 ms and at most 25 ms.
   */
  marginMs?: (remainingMs: number) => number;
  /** The fetch to use. Default the global fetch. */
  fetch?: typeof fetch;
  /** Called after each call. */
  onCall?: (outcome: HostCallOutcome) => void;
  /** Traces each call as a client span of its invocation, its context sent on as `traceparent`. Default: no spans. */
  tracer?: Tracer | undefined;
}

/** The invocation a handler serves. */
export interface HostCallInvocation {
  ctx: ExecutionContext;
  extensionId: string;
  /** The resolved version. */
  version: string;
  /** The invocation's trace context, when it is traced: each call's span is its child. */
  trace?: Context | undefined;
}

/** Makes the host calls of invocations over the Connect protocol. */
export interface ConnectHostCaller {
  /** A handler for the engine, bound to one invocation's context. */
  handlerFor(invocation: HostCallInvocation): HostCallHandler;
}

/**
 * Host calls over the Connect protocol (unary, JSON codec): a POST of the
 * guest's request JSON to `<endpoint>/<service>/<method>`, with a token the
 * runtime mints for this one call in `Authorization: Bearer`, and the
 * invocation's remaining time as `Connect-Timeout-Ms`. The guest never sees
 * the token and has no say in the context it carries: the claims come from
 * the invocation's ExecutionContext and the catalog entry. A Connect error
 * comes back to the guest as `{"code","message"}` with our code.
 */
export function createConnectHostCaller(options: ConnectHostCallerOptions): ConnectHostCaller {
  const doFetch = options.fetch ?? fetch;
  const marginMs = options.marginMs ?? ((remaining: number) => Math.max(5, Math.min(25, remaining / 5)));
  const { minter, onCall, tracer } = options;

  return {
    handlerFor(invocation) {
      const ctx = invocation.ctx;
      const parent = tracer && invocation.trace;
      return async ({ service, method, requestJson, remainingMs }) => {
        const started = performance.now();
        let code = "ok";
        const span = parent && startHostCallSpan(tracer as Tracer, parent, service, method);
        try {
          const endpoint = options.endpoints().get(service);
          if (!endpoint)
            throw new ExtensionError(
              "unavailable",
              `no endpoint is configured for service ${service} (catalog host_services)`,
              "host_call_failed",
              { service },
            );
          const budgetMs = Math.floor(remainingMs - marginMs(remainingMs));
          if (budgetMs < 1)
            throw new ExtensionError(
              "deadline_exceeded",
              `no time is left for host call ${service}/${method}`,
              "timeout",
            );
          const claims: HostCallClaims = {
            tenant_id: ctx.tenantId,
            org_id: ctx.orgId ?? "",
            user_id: ctx.userId ?? "",
            actor_type: ctx.actorType ?? "",
            scopes: [`${service}/${method}`],
            extension_id: invocation.extensionId,
            extension_version: invocation.version,
            correlation_id: ctx.correlationId ?? "",
            session_id: ctx.sessionId ?? "",
          };
          const token = await minter.mint(claims, service);
          const headers: Record<string, string> = {
            "content-type": "application/json",
            "connect-protocol-version": "1",
            "connect-timeout-ms": String(budgetMs),
            authorization: `Bearer ${token}`,
          };
          if (span) propagation.inject(trace.setSpan(parent as Context, span), headers);
          let res: Response;
          try {
            res = await doFetch(`${endpoint.url}/${service}/${method}`, {
              method: "POST",
              headers,
              body: requestJson,
              signal: AbortSignal.timeout(budgetMs),
            });
          } catch (cause) {
            const name = cause instanceof Error ? cause.name : "";
            if (name === "TimeoutError" || name === "AbortError")
              throw new ExtensionError(
                "deadline_exceeded",
                `host call ${service}/${method} did not answer within ${budgetMs} ms`,
                "timeout",
                { limit: budgetMs },
              );
            throw new ExtensionError(
              "unavailable",
              `host call ${service}/${method} could not reach ${endpoint.url}: ${cause instanceof Error ? cause.message : String(cause)}`,
              "host_call_failed",
            );
          }
          const body = await res.text();
          span?.setAttribute("http.response.status_code", res.status);
          if (res.ok) return body;
          let wire: { code?: unknown; message?: unknown } = {};
          try {
            wire = JSON.parse(body) as typeof wire;
          } catch {
            // not a Connect error body: fall back to the HTTP status
          }
          const errCode =
            typeof wire.code === "string" ? fromConnectCodeName(wire.code) : fromHttpStatus(res.status);
          throw new ExtensionError(
            errCode,
            typeof wire.message === "string"
              ? wire.message
              : `${service}/${method} answered HTTP ${res.status}`,
            "host_call_failed",
          );
        } catch (cause) {
          const err = ExtensionError.from(cause);
          code = err.code;
          if (span) {
            span.setAttributes({ "ameide.error_code": err.code, "ameide.error_reason": err.reason ?? "" });
            span.setStatus({ code: SpanStatusCode.ERROR, message: `${err.code}/${err.reason ?? ""}` });
          }
          throw err;
        } finally {
          span?.end();
          onCall?.({ service, method, code, durationMs: performance.now() - started });
        }
      };
    },
  };
}

/** The client span of one host call, child of its invocation's. */
function startHostCallSpan(tracer: Tracer, parent: Context, service: string, method: string): Span {
  return tracer.startSpan(
    SPAN_NAMES.hostCall,
    {
      kind: SpanKind.CLIENT,
      attributes: { "rpc.system.name": "connect", "rpc.service": service, "rpc.method": method },
    },
    parent,
  );
}
