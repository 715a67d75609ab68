import { ExtensionError } from "@ameide-ext/contract";
import { hostErrorPayload } from "../invoke/host-call-gate.js";
import { replyToHostCall } from "./host-call-relay.js";
import type { Job } from "./pool-job.js";
import type { Slot } from "./worker-slot.js";

/**
 * How long a worker may take to make a guest instance before its invocation
 * is stopped (or the invocation's own limit, when longer). Making an instance
 * is bounded anyway (start functions run on a fixed fuel budget, and it
 * succeeded once at load); this only stops a worker that stalls. A QuickJS
 * hook takes tens of milliseconds, more on a cold worker of a loaded machine.
 */
export const INSTANTIATION_LIMIT_MS = 5_000;

/**
 * Time a guest gets to end after its host call was cut at the deadline,
 * before its worker is stopped: the guest only has to return.
 */
const HOST_CALL_GRACE_MS = 25;

/** What a job's deadline bounds: the worker making its instance, or the guest's run. */
export type DeadlinePhase = "instantiating" | "running";

/**
 * When the running limit's timer fires: the time is up only if the guest itself has run that long.
 * A run that has not started (its message waits while the worker restores a memory or collects
 * garbage) or that has ended (its result not read yet: this thread was busy) is the engine's time:
 * the timer is set again, for what the guest has left, within INSTANTIATION_LIMIT_MS of waiting.
 */
function guestTimeLeft(slot: Slot, job: Job, armedAt: number): number {
  const at = slot.clock.read(job.id);
  const waited = performance.now() - armedAt;
  if (at.phase === "running") return job.prep.timeoutMs - at.elapsedMs;
  if (waited >= INSTANTIATION_LIMIT_MS + job.prep.timeoutMs) return 0;
  return at.phase === "ended" ? 5 : job.prep.timeoutMs;
}

/** The error of an invocation whose worker was stopped at its wall-clock limit. */
function passedLimit(job: Job): ExtensionError {
  return new ExtensionError(
    "deadline_exceeded",
    `the invocation passed its wall-clock limit of ${job.prep.timeoutMs} ms and its worker was stopped`,
    "timeout",
    { limit: job.prep.timeoutMs },
  );
}

/** The error of an invocation whose worker was stopped at its run-by time (its caller's deadline, a batch's). */
function passedRunBy(job: Job, runBy: number): ExtensionError {
  const ms = Math.round(runBy - job.started);
  return new ExtensionError(
    "deadline_exceeded",
    `the invocation passed its caller's deadline, ${ms} ms after it was queued, and its worker was stopped`,
    "timeout",
    { limit: ms },
  );
}

/**
 * Arms a job's wall-clock limit (or, while the worker instantiates, that
 * bound), from now; while the guest runs, cut to what is left until its
 * run-by time when that comes first. At the limit: a worker still instantiating is stopped; a guest
 * blocked on a host call gets the call cut (`deadline_exceeded`) and a short
 * grace to return; a guest still running loses its worker. At the run-by
 * time, the same, whatever the guest's own time left. `lose` stops and
 * replaces the worker, ending the job with the error.
 */
export function armDeadline(
  slot: Slot,
  job: Job,
  limitMs: number,
  phase: DeadlinePhase,
  lose: (slot: Slot, error: ExtensionError) => void,
  armedAt = performance.now(),
): void {
  clearTimeout(job.timer);
  const runBy = job.runBy;
  const runByLeft = runBy === undefined ? Number.POSITIVE_INFINITY : Math.max(0, runBy - performance.now());
  // The run-by time comes first while the guest runs: at it, the time is up, whatever the guest's own
  // limit left. A worker still instantiating keeps its own bound (stopping it would throw away an
  // instance other callers' runs need); the run that follows is cut at once if its time has passed.
  const cut = phase === "running" && runBy !== undefined && runByLeft < limitMs;
  job.timer = setTimeout(
    () => {
      if (slot.job !== job) return;
      if (cut) {
        timeUp(slot, job, lose, passedRunBy(job, runBy), `its caller's deadline`);
        return;
      }
      const left = phase === "running" ? guestTimeLeft(slot, job, armedAt) : 0;
      if (left > 0) {
        armDeadline(slot, job, Math.ceil(left), phase, lose, armedAt);
        return;
      }
      if (phase === "instantiating") {
        lose(
          slot,
          new ExtensionError(
            "deadline_exceeded",
            `the worker took over ${limitMs} ms to instantiate the guest and was stopped`,
            "timeout",
            { limit: limitMs },
          ),
        );
        return;
      }
      timeUp(
        slot,
        job,
        lose,
        passedLimit(job),
        `the invocation's wall-clock limit of ${job.prep.timeoutMs} ms`,
      );
    },
    cut ? runByLeft : limitMs,
  );
}

/** Ends `job` at its time: cuts the host call it is blocked on (a short grace to return), or stops its worker. */
function timeUp(
  slot: Slot,
  job: Job,
  lose: (slot: Slot, error: ExtensionError) => void,
  error: ExtensionError,
  what: string,
): void {
  if (job.call !== undefined) {
    // The guest is blocked on a host call, not running: cut the call rather than the worker. The guest
    // gets deadline_exceeded, and the invocation ends with it (the reply says it was cut); a guest that
    // does not end within the grace loses its worker as usual.
    const cut = new ExtensionError(
      "deadline_exceeded",
      `the host call did not answer within ${what}`,
      "timeout",
    );
    replyToHostCall(slot, job, job.call, { err: hostErrorPayload(cut) }, true);
    job.timer = setTimeout(() => {
      if (slot.job === job) lose(slot, error);
    }, HOST_CALL_GRACE_MS);
    return;
  }
  lose(slot, error);
}
