import { ExtensionError, fromConnectCodeName, fromHttpStatus } from "@ameide-ext/contract";
import type { HostServiceEndpoint } from "../catalog/parse-catalog.js";
import type { ExecutionContext, HostCallHandler } from "../engine/types.js";
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
}

/** The invocation a handler serves. */
export interface HostCallInvocation {
  ctx: ExecutionContext;
  extensionId: string;
  /** The resolved version. */
  version: string;
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
  const { minter, onCall } = options;

  return {
    handlerFor(invocation) {
      const ctx = invocation.ctx;
      return async ({ service, method, requestJson, remainingMs }) => {
        const started = performance.now();
        let code = "ok";
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
          let res: Response;
          try {
            res = await doFetch(`${endpoint.url}/${service}/${method}`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "connect-protocol-version": "1",
                "connect-timeout-ms": String(budgetMs),
                authorization: `Bearer ${token}`,
              },
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
          throw err;
        } finally {
          onCall?.({ service, method, code, durationMs: performance.now() - started });
        }
      };
    },
  };
}
