import { ExtensionError } from "@ameide-ext/contract";
import type { PreparedInvocation } from "../invoke/prepare-invocation.js";
import type { CompiledExtension } from "../load/compile-extension.js";
import type { HostCallHandler, InvocationResult } from "../types.js";

/** One invocation given to the pool, from its queueing to its result. */
export interface Job {
  id: number;
  key: string;
  mod: CompiledExtension;
  prep: PreparedInvocation;
  handler: HostCallHandler | undefined;
  resolve: (r: InvocationResult) => void;
  started: number;
  /** Not started by then (performance.now()): shed as `unavailable/overloaded`. */
  startBy: number | undefined;
  /** Not ended by then (performance.now()), however late it started: stopped as at its limit (run-deadline.ts). */
  runBy: number | undefined;
  timer?: NodeJS.Timeout;
  /** The host call the worker is blocked on, by its number, while the handler has not answered. */
  call?: number | undefined;
}

/** The result of a job the pool ended itself (time-out, lost worker, shed, closed): a technical error, nothing run or counted. */
export function failure(job: Job, error: ExtensionError): InvocationResult {
  return {
    outcome: "technical_error",
    error: error.toJSON(),
    stats: {
      fuelUsed: 0,
      fuelLimit: job.prep.fuel,
      peakMemoryBytes: 0,
      memoryLimitBytes: job.mod.memoryLimitBytes,
      durationUs: Math.round((performance.now() - job.started) * 1000),
      outputBytes: 0,
      outputLimitBytes: job.prep.outputLimitBytes,
      hostCalls: 0,
    },
    logs: [],
  };
}

/**
 * Takes the next job of `queue` whose caller still waits; those whose start-by (or run-by) time passed end
 * `unavailable/overloaded`: started, they would only be stopped at once, their worker with them.
 */
export function nextLive(queue: Job[]): Job | undefined {
  const now = performance.now();
  for (let job = queue.shift(); job; job = queue.shift()) {
    const by = Math.min(job.startBy ?? Number.POSITIVE_INFINITY, job.runBy ?? Number.POSITIVE_INFINITY);
    if (now <= by) return job;
    job.resolve(
      failure(
        job,
        new ExtensionError(
          "unavailable",
          `the invocation waited ${Math.round(now - job.started)} ms for a guest worker and its caller's deadline passed before it could start; it was not run`,
          "overloaded",
          { waitedMs: Math.round(now - job.started), queued: queue.length },
        ),
      ),
    );
  }
  return undefined;
}
