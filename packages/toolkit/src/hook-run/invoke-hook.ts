import { DEFAULT_HOST_CALLS_PER_INVOCATION, type RiskTier } from "@ameide-ext/contract";
import type {
  ExecutionContext,
  GuestLogLine,
  HostCallPolicy,
  InvocationResult,
  LoadedExtension,
  Outcome,
} from "@ameide-ext/runtime";
import type { PreparedHook } from "../hook-build/prepare-hook.js";
import type { HostCallMock } from "../hook-fixtures/fixture-schema.js";
import { createMockHostCalls } from "./host-call-mocks.js";
import { type HookStats, type LimitUsage, limitUsage } from "./limit-usage.js";

/** The context of an invocation when none is given. */
export const DEFAULT_CONTEXT: Readonly<ExecutionContext> = Object.freeze({ tenantId: "local", env: "dev" });

/** An error as the CLI reports it: a technical error, or a business error with reason `business_error`. */
export interface ErrorSummary {
  /** A technical code (`resource_exhausted`…), or the guest's business code (`INVALID_DEAL`). */
  code: string;
  /** The technical reason (`fuel`…), `business_error` for a business error, or null. */
  reason: string | null;
  /** What happened. */
  message: string;
  /** Structured facts: a business error's `details`, a limit's `{ limit, actual }`, compile diagnostics. */
  details?: unknown;
}

/** One invocation, as `run` and `test` report it. */
export interface InvocationReport {
  /** ok, business_error or technical_error. */
  outcome: Outcome;
  /** The output document when the outcome is ok; null otherwise. */
  output: unknown;
  /** The error when the outcome is not ok; null otherwise. */
  error: ErrorSummary | null;
  /** What it used. */
  stats: HookStats;
  /** Each limit's usage. */
  usage: LimitUsage[];
  /** The guest's log lines. */
  logs: GuestLogLine[];
  /** Host calls no answer matched. */
  unexpectedHostCalls: string[];
  /** Answers no host call used. */
  unusedHostCalls: string[];
}

/** What to invoke the hook with. */
export interface InvokeHookOptions {
  /** The input document. */
  input: unknown;
  /** The ExecutionContext. Default {@link DEFAULT_CONTEXT}. */
  ctx?: ExecutionContext | undefined;
  /** The risk tier; default the manifest's. */
  riskTier?: RiskTier | undefined;
  /** Answers to host calls. Default none. */
  hostCalls?: readonly HostCallMock[] | undefined;
  /** How to fix an unexpected host call, ending its message. */
  hint: string;
}

const warmed = new WeakSet<LoadedExtension>();

/**
 * Runs the hook once on this thread (the engine's inline path), with the
 * manifest's limits, its risk tier and allowlist as the host-call policy, and
 * host calls answered from `hostCalls`. Throws an ExtensionError only when
 * the engine refuses the request (input over 256 KiB, limits out of bounds).
 *
 * The first invocation of a fresh process compiles the guest's code lazily;
 * a long-lived engine has done that long before. So the first call per
 * extension runs once unmeasured, and `durationUs` is what production sees.
 * Fuel, memory and output are deterministic and the same either way.
 */
export function invokeHook(prepared: PreparedHook, opts: InvokeHookOptions): InvocationReport {
  const { manifest } = prepared.loaded;
  const riskTier = opts.riskTier ?? manifest.risk_tier;
  const policy: HostCallPolicy = {
    riskTier,
    allow: manifest.host_calls.map((c) => ({ service: c.service, method: c.method, readOnly: c.read_only })),
  };
  if (manifest.limits.host_calls_per_invocation !== undefined) {
    policy.maxCalls = manifest.limits.host_calls_per_invocation;
  }
  const hostCallsLimit =
    riskTier === "low"
      ? 0
      : (manifest.limits.host_calls_per_invocation ?? DEFAULT_HOST_CALLS_PER_INVOCATION[riskTier]);
  const input = JSON.stringify(opts.input) ?? "null";
  const ctx = opts.ctx ?? { ...DEFAULT_CONTEXT };
  const invoke = () => {
    const mocks = createMockHostCalls(opts.hostCalls ?? [], opts.hint);
    const result = prepared.engine.invokeInline(prepared.ext, {
      input,
      policy,
      ctx,
      hostHandler: mocks.handler,
    });
    return { result, mocks };
  };
  if (!warmed.has(prepared.ext)) {
    warmed.add(prepared.ext);
    try {
      invoke();
    } catch {
      // The measured call below throws the same error.
    }
  }
  const { result, mocks } = invoke();
  const stats: HookStats = {
    ...result.stats,
    timeoutMs: prepared.ext.limits.timeoutMs,
    hostCallsLimit,
  };
  return {
    outcome: result.outcome,
    output: result.outcome === "ok" && result.output !== undefined ? JSON.parse(result.output) : null,
    error: errorOf(result),
    stats,
    usage: limitUsage(stats),
    logs: result.logs,
    unexpectedHostCalls: mocks.unexpected(),
    unusedHostCalls: mocks.unused(),
  };
}

function errorOf(result: InvocationResult): ErrorSummary | null {
  if (result.outcome === "business_error" && result.businessError) {
    const { code, message, details } = result.businessError;
    return details === undefined
      ? { code, reason: "business_error", message }
      : { code, reason: "business_error", message, details };
  }
  if (result.outcome === "technical_error" && result.error) {
    const { code, reason, message, details } = result.error;
    const out: ErrorSummary = { code, reason: reason ?? null, message };
    if (details !== undefined) out.details = details;
    return out;
  }
  return null;
}
