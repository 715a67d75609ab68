import type { GuestInstance, HostCallAnswer } from "../instance/instance-lifecycle.js";
import { readyBeforeRun } from "../instance/ready-before-run.js";
import type { InvocationResult } from "../types.js";
import { createHostCallGate, type HostCallGate } from "./host-call-gate.js";
import type { PreparedInvocation } from "./prepare-invocation.js";

/**
 * Runs a prepared invocation on an instance, with the policy gate in front of
 * `answer`, and assembles the result with its stats. The duration, checked
 * against the time limit, is the run's: a new instance is made before it starts (readyBeforeRun).
 * `cutAtDeadline` tells whether a host call was answered for its handler at
 * the deadline (the pool does so): the invocation then ends with
 * `deadline_exceeded` whatever the guest made of that answer, even when timers
 * made the run look a fraction of a millisecond shorter than the limit.
 */
export function runPrepared(
  instance: GuestInstance,
  prep: PreparedInvocation,
  memoryLimitBytes: number,
  answer: (service: string, method: string, requestJson: string) => HostCallAnswer,
  cutAtDeadline?: () => boolean,
): InvocationResult {
  return runGated(instance, prep, memoryLimitBytes, createHostCallGate(prep.policy, answer), cutAtDeadline);
}

/** Where {@link runGated} leaves the time its run ended (performance.now()), for a caller that times runs back to back. */
export interface RunEnd {
  at: number;
}

/**
 * {@link runPrepared} behind a gate the caller made for `prep.policy`, and
 * may use again for the next invocation of that policy (its count is reset
 * here): a batch makes one gate for all its inputs, and reads when each run
 * ended from `ended` instead of reading the clock again.
 */
export function runGated(
  instance: GuestInstance,
  prep: PreparedInvocation,
  memoryLimitBytes: number,
  gate: HostCallGate,
  cutAtDeadline?: () => boolean,
  ended?: RunEnd,
): InvocationResult {
  gate.reset();
  readyBeforeRun(instance);
  const started = performance.now();
  const r = instance.run({
    input: prep.input,
    fuel: prep.fuel,
    outputLimitBytes: prep.outputLimitBytes,
    logBytes: prep.logBytes,
    logLines: prep.logLines,
    hostCall: gate.call,
  });
  const end = performance.now();
  if (ended) ended.at = end;
  const durationMs = end - started;
  const stats: InvocationResult["stats"] = {
    fuelUsed: r.fuelUsed,
    fuelLimit: prep.fuel,
    peakMemoryBytes: r.memoryBytes,
    memoryLimitBytes,
    durationUs: Math.round(durationMs * 1000),
    outputBytes: r.outputBytes,
    outputLimitBytes: prep.outputLimitBytes,
    hostCalls: gate.count,
  };
  // One literal per outcome, with its one optional field: no property added after (a second allocation).
  const { outcome, logs } = r;
  const result: InvocationResult =
    r.output !== undefined
      ? { outcome, stats, logs, output: r.output }
      : r.businessError !== undefined
        ? { outcome, stats, logs, businessError: r.businessError }
        : r.error !== undefined
          ? { outcome, stats, logs, error: r.error }
          : { outcome, stats, logs };
  const cut = cutAtDeadline?.() === true;
  if (r.outcome !== "technical_error" && (cut || durationMs > prep.timeoutMs)) {
    result.outcome = "technical_error";
    delete result.output;
    delete result.businessError;
    result.error = {
      code: "deadline_exceeded",
      reason: "timeout",
      message: cut
        ? `a host call was still unanswered at the invocation's wall-clock limit of ${prep.timeoutMs} ms`
        : `the invocation took ${durationMs.toFixed(1)} ms, the limit is ${prep.timeoutMs} ms`,
      details: { limit: prep.timeoutMs },
    };
  }
  return result;
}
