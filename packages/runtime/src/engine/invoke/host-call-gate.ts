import {
  DEFAULT_HOST_CALLS_PER_INVOCATION,
  ExtensionError,
  isErrorCode,
  isExtensionError,
  MAX_HOST_CALLS_PER_INVOCATION,
  RISK_TIERS,
  type RiskTier,
} from "@ameide-ext/contract";
import type { HostCallAnswer, SyncHostCall } from "../instance/instance-lifecycle.js";
import type { HostCallPermission, HostCallPolicy } from "../types.js";

/** A policy with its defaults filled in. Plain data: it can be posted to a worker. */
export interface ResolvedPolicy {
  riskTier: RiskTier;
  allow: HostCallPermission[];
  maxCalls: number;
}

/** Checks a policy and fills its defaults (`invalid_argument/invalid_limits` when out of bounds). */
export function resolvePolicy(policy: HostCallPolicy | undefined): ResolvedPolicy {
  const riskTier = policy?.riskTier ?? "low";
  if (!(RISK_TIERS as readonly string[]).includes(riskTier)) {
    throw new ExtensionError(
      "invalid_argument",
      `risk tier is ${JSON.stringify(riskTier)}, it must be one of ${RISK_TIERS.join(", ")}`,
      "invalid_limits",
    );
  }
  const maxCalls = policy?.maxCalls ?? DEFAULT_HOST_CALLS_PER_INVOCATION[riskTier];
  if (!Number.isInteger(maxCalls) || maxCalls < 0 || maxCalls > MAX_HOST_CALLS_PER_INVOCATION) {
    throw new ExtensionError(
      "invalid_argument",
      `maxCalls is ${maxCalls}, it must be an integer from 0 to ${MAX_HOST_CALLS_PER_INVOCATION}`,
      "invalid_limits",
    );
  }
  return { riskTier, allow: policy?.allow ?? [], maxCalls: riskTier === "low" ? 0 : maxCalls };
}

/** A policy gate in front of a host-call answerer (see {@link createHostCallGate}). */
export interface HostCallGate {
  /** Asks the answerer, once the policy lets the call through; throws the refusal otherwise. */
  readonly call: SyncHostCall;
  /** Calls let through since the gate was made or last reset. */
  readonly count: number;
  /** Starts the count again: one gate serves many invocations of one policy, one after the other. */
  reset(): void;
}

/**
 * Wraps a host-call answerer with the policy check of spec 479 §6.3. Refusals
 * end the invocation before the answerer is reached:
 * - low tier: every call, `permission_denied/host_call_denied`;
 * - medium tier: calls not allowlisted as read-only;
 * - high tier: calls not allowlisted;
 * - any tier: the call past the per-invocation count, `resource_exhausted/host_call_limit`.
 */
export function createHostCallGate(policy: ResolvedPolicy, answer: SyncHostCall): HostCallGate {
  let count = 0;
  const call = (service: string, method: string, requestJson: string): HostCallAnswer => {
    const name = `${service}.${method}`;
    if (policy.riskTier === "low") {
      throw new ExtensionError(
        "permission_denied",
        `host call ${name} refused: low-risk extensions make no host calls`,
        "host_call_denied",
        {
          service,
          method,
          riskTier: policy.riskTier,
        },
      );
    }
    const entry = policy.allow.find((p) => p.service === service && p.method === method);
    if (!entry) {
      throw new ExtensionError(
        "permission_denied",
        `host call ${name} refused: it is not on the extension's allowlist`,
        "host_call_denied",
        {
          service,
          method,
          riskTier: policy.riskTier,
        },
      );
    }
    if (policy.riskTier === "medium" && entry.readOnly !== true) {
      throw new ExtensionError(
        "permission_denied",
        `host call ${name} refused: medium-risk extensions may call read-only methods only`,
        "host_call_denied",
        { service, method, riskTier: policy.riskTier },
      );
    }
    if (count >= policy.maxCalls) {
      throw new ExtensionError(
        "resource_exhausted",
        `host call ${name} refused: the limit is ${policy.maxCalls} host call(s) per invocation`,
        "host_call_limit",
        { limit: policy.maxCalls },
      );
    }
    count++;
    return answer(service, method, requestJson);
  };
  return {
    call,
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
}

/**
 * Turns a handler's failure into the error payload the guest receives:
 * `{"code","message"}`. Only an ExtensionError (or its data) is passed on as
 * it is; anything else is a host-side fault whose text may carry internals,
 * so the guest sees a generic `internal` error.
 */
export function hostErrorPayload(cause: unknown): string {
  if (
    isExtensionError(cause) ||
    (typeof cause === "object" && cause !== null && isErrorCode((cause as { code?: unknown }).code))
  ) {
    const err = ExtensionError.from(cause);
    return JSON.stringify({ code: err.code, message: err.message });
  }
  return JSON.stringify({ code: "internal", message: "the host service failed" });
}
