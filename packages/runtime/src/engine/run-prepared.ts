import type { GuestInstance, HostCallAnswer } from "./guest-instance.js";
import { createHostCallGate } from "./host-call-gate.js";
import type { PreparedInvocation } from "./prepare-invocation.js";
import type { InvocationResult } from "./types.js";

/**
 * Runs a prepared invocation on an instance, with the policy gate in front of
 * `answer`, and assembles the result with its stats.
 */
export function runPrepared(
  instance: GuestInstance,
  prep: PreparedInvocation,
  memoryLimitBytes: number,
  answer: (service: string, method: string, requestJson: string) => HostCallAnswer,
): InvocationResult {
  const gate = createHostCallGate(prep.policy, answer);
  const started = performance.now();
  const r = instance.run({
    input: prep.input,
    fuel: prep.fuel,
    outputLimitBytes: prep.outputLimitBytes,
    logBytes: prep.logBytes,
    logLines: prep.logLines,
    hostCall: gate,
  });
  const durationMs = performance.now() - started;
  const result: InvocationResult = {
    outcome: r.outcome,
    stats: {
      fuelUsed: r.fuelUsed,
      fuelLimit: prep.fuel,
      memoryBytes: r.memoryBytes,
      memoryLimitBytes,
      durationMs,
      outputBytes: r.outputBytes,
      outputLimitBytes: prep.outputLimitBytes,
      hostCalls: gate.count,
    },
    logs: r.logs,
  };
  if (r.output !== undefined) result.output = r.output;
  if (r.businessError !== undefined) result.businessError = r.businessError;
  if (r.error !== undefined) result.error = r.error;
  if (r.outcome !== "technical_error" && durationMs > prep.timeoutMs) {
    result.outcome = "technical_error";
    delete result.output;
    delete result.businessError;
    result.error = {
      code: "deadline_exceeded",
      reason: "timeout",
      message: `the invocation took ${durationMs.toFixed(1)} ms, the limit is ${prep.timeoutMs} ms`,
      details: { limit: prep.timeoutMs },
    };
  }
  return result;
}
