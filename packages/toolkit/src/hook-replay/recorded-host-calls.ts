import { type ErrorCode, ExtensionError } from "@ameide-ext/contract";
import type { HostCallHandler, RecordedHostCall } from "@ameide-ext/runtime";

/** A host-call handler answering from a recording's host calls, and what did not match. */
export interface RecordedHostCallPlayer {
  /** Answers a call with the recorded answer (the response, or the error the guest got). */
  handler: HostCallHandler;
  /** Calls that had no recorded answer, or whose request differed, and recorded calls never made. */
  problems(): string[];
}

/**
 * Answers host calls from a recording. `strict` (a replay against the same
 * module): the n-th call must be the n-th recorded one (service, method and
 * request JSON, byte for byte). Otherwise (another version): a call takes the
 * first unused recorded one of the same service, method and request, else of
 * the same service and method (a problem: its request differs). A call without
 * an answer gets `unavailable / host_call_failed`, as an unanswered call in the
 * runtime does, and is a problem.
 */
export function playRecordedHostCalls(
  recorded: readonly RecordedHostCall[],
  strict: boolean,
): RecordedHostCallPlayer {
  const used = recorded.map(() => false);
  const problems: string[] = [];
  let next = 0;
  const pick = (service: string, method: string, requestJson: string): number => {
    if (strict) {
      const i = next++;
      const r = recorded[i];
      if (!r) return -1;
      if (r.service !== service || r.method !== method || r.request_json !== requestJson) {
        problems.push(
          `host call ${i + 1} is ${service}.${method} ${requestJson}; the recording has ${r.service}.${r.method} ${r.request_json}`,
        );
        return -1;
      }
      return i;
    }
    const same = recorded.findIndex(
      (r, i) => !used[i] && r.service === service && r.method === method && r.request_json === requestJson,
    );
    if (same >= 0) return same;
    const near = recorded.findIndex((r, i) => !used[i] && r.service === service && r.method === method);
    if (near >= 0)
      problems.push(
        `host call ${service}.${method} sends ${requestJson}; the recording's sent ${recorded[near]?.request_json} (answered with its answer)`,
      );
    return near;
  };
  const handler: HostCallHandler = ({ service, method, requestJson }) => {
    const i = pick(service, method, requestJson);
    const r = recorded[i];
    if (i < 0 || !r) {
      if (!strict || next > recorded.length)
        problems.push(`host call ${service}.${method} ${requestJson} has no recorded answer`);
      throw new ExtensionError(
        "unavailable",
        `no recorded answer for host call ${service}.${method}`,
        "host_call_failed",
      );
    }
    used[i] = true;
    if (r.error) throw new ExtensionError(r.error.code as ErrorCode, r.error.message);
    return r.response_json ?? "null";
  };
  return {
    handler,
    problems: () => [
      ...problems,
      ...recorded.flatMap((r, i) =>
        used[i] ? [] : [`recorded host call ${i + 1} (${r.service}.${r.method}) was not made`],
      ),
    ],
  };
}
