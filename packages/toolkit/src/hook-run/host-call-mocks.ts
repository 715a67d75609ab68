import { isDeepStrictEqual } from "node:util";
import { ExtensionError } from "@ameide-ext/contract";
import type { HostCallHandler } from "@ameide-ext/runtime";
import type { HostCallMock } from "../hook-fixtures/fixture-schema.js";
import { quote } from "../json/validate-schema.js";

/** A host-call handler that answers from mocks, and what went wrong with them. */
export interface MockHostCalls {
  /** Answers a call from the first unused mock of the same service and method (and request, when the mock has one). */
  handler: HostCallHandler;
  /** Calls no mock answered (the guest got an `unavailable` error for each). */
  unexpected(): string[];
  /** Mocks no call used. */
  unused(): string[];
}

/** Options of {@link createMockHostCalls}. */
export interface MockHostCallsOptions {
  /**
   * Answer every call from the first matching answer, again and again, instead of using each answer once
   * (`ameide-ext dev --host-calls`, which serves invocation after invocation). Default false.
   */
  reuse?: boolean;
}

/**
 * Answers host calls from `mocks`, each used once, in order (with `reuse`, the first matching one every
 * time). A call no mock answers gets an `unavailable` error result (the guest decides what to do)
 * and is reported by `unexpected()`; `hint` ends that message.
 */
export function createMockHostCalls(
  mocks: readonly HostCallMock[],
  hint: string,
  options: MockHostCallsOptions = {},
): MockHostCalls {
  const used = mocks.map(() => false);
  const unexpected: string[] = [];
  const handler: HostCallHandler = ({ service, method, requestJson }) => {
    let request: unknown = requestJson;
    try {
      request = JSON.parse(requestJson);
    } catch {
      // Not JSON: match against the raw text.
    }
    const candidates = mocks
      .map((m, i) => ({ m, i }))
      .filter(({ m, i }) => !used[i] && m.service === service && m.method === method);
    const match = candidates.find(
      ({ m }) => m.request === undefined || isDeepStrictEqual(m.request, request),
    );
    if (!match) {
      const near = candidates[0];
      const why = near
        ? `hostCalls[${near.i}] expects the request ${quote(near.m.request)}`
        : `no answer is left for ${service}.${method}`;
      unexpected.push(`unexpected host call ${service}.${method} with ${quote(request)}: ${why}; ${hint}`);
      throw new ExtensionError(
        "unavailable",
        `no answer for host call ${service}.${method}`,
        "host_call_failed",
      );
    }
    if (!options.reuse) used[match.i] = true;
    if (match.m.error) throw new ExtensionError(match.m.error.code, match.m.error.message);
    return JSON.stringify(match.m.response ?? null);
  };
  return {
    handler,
    unexpected: () => [...unexpected],
    unused: () =>
      mocks.flatMap((m, i) => (used[i] ? [] : [`hostCalls[${i}] (${m.service}.${m.method}) was not called`])),
  };
}
