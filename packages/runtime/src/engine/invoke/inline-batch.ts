import { ExtensionError, type ExtensionLimits, type SizeLimits } from "@ameide-ext/contract";
import type { GuestInstance, SyncHostCall } from "../instance/instance-lifecycle.js";
import { makesOnCallerThread } from "../instance/ready-before-run.js";
import type {
  InlineAttempt,
  InlineBatchAttempt,
  InlineBatchRequest,
  InlineBatchRun,
  InvocationResult,
} from "../types.js";
import { createHostCallGate } from "./host-call-gate.js";
import { checkInput, prepareShape } from "./prepare-invocation.js";
import { type RunEnd, runGated } from "./run-prepared.js";

/** What {@link runInlineBatch} runs on: a loaded extension's instance on this thread, and its limits. */
export interface InlineGuest {
  instance: GuestInstance;
  /** The extension's load limits, which the request's override. */
  limits: ExtensionLimits;
  memoryLimitBytes: number;
  /** Table entries a new instance of it makes (see makesOnCallerThread). */
  tableEntries: number;
}

function badBatch(message: string): ExtensionError {
  return new ExtensionError("invalid_argument", message, "invalid_limits");
}

/**
 * Refuses what no inline run takes (`tryInline`, `tryInlineBatch`): a host
 * handler (`failed_precondition`: a guest that made host calls could not be
 * run again) or a fuel slice that is not a positive integer (`invalid_limits`).
 */
export function checkInlineCall(method: string, hostHandler: unknown, fuelSlice: number): void {
  if (hostHandler !== undefined)
    throw new ExtensionError(
      "failed_precondition",
      `${method} takes no host handler: a guest that made host calls could not be run again`,
      "host_call_failed",
    );
  if (!Number.isInteger(fuelSlice) || fuelSlice < 1)
    throw badBatch(`fuelSlice is ${fuelSlice}, it must be a positive integer`);
}

/**
 * What an inline run says once it ended: with a slice below its budget
 * (`sliced`), a run out of fuel used the whole slice and must run in full in
 * the pool (`skipped: "slice"`); any other run stands, its stats showing the
 * real budget as `fuelLimit`.
 */
export function judgeSliced(result: InvocationResult, sliced: boolean, budget: number): InlineAttempt {
  if (sliced && result.outcome === "technical_error" && result.error?.reason === "fuel")
    return { skipped: "slice" };
  result.stats.fuelLimit = budget;
  return { ran: result };
}

/** Checks what is the whole call's: the slice, the time slice, the start index, no host handler. Returns `from`. */
function checkBatchRequest(request: InlineBatchRequest): number {
  checkInlineCall("tryInlineBatch", (request as { hostHandler?: unknown }).hostHandler, request.fuelSlice);
  const { sliceMs, inputs } = request;
  const from = request.from ?? 0;
  if (!Number.isFinite(sliceMs) || sliceMs < 0)
    throw badBatch(`sliceMs is ${sliceMs}, it must be a finite number of milliseconds, 0 or more`);
  if (!Number.isInteger(from) || from < 0 || from >= inputs.length)
    throw badBatch(`from is ${from}, it must be an index of the ${inputs.length} input(s)`);
  return from;
}

/**
 * Runs inputs `[from, …)` of one request shape on this thread, each as
 * `tryInline` would run it (its own check, fuel budget at most `fuelSlice`,
 * time limit, fresh state, result), until `sliceMs` has passed, the caller's
 * deadline has, an input must go to the pool, or one ended with a technical
 * error (see InlineBatchStop). What every input shares (limits, policy, the
 * instance) is resolved once, here; per input only its check, its run and
 * two clock reads. `unanswered` answers host calls (there is no handler).
 */
export function runInlineBatch(
  guest: InlineGuest,
  request: InlineBatchRequest,
  sizes: SizeLimits,
  unanswered: SyncHostCall,
): InlineBatchRun {
  const from = checkBatchRequest(request);
  const { inputs, sliceMs, deadline } = request;
  const prep = prepareShape(request, guest.limits, sizes);
  const budget = prep.fuel;
  const sliced = request.fuelSlice < budget;
  const fuel = sliced ? request.fuelSlice : budget;
  const timeoutMs = prep.timeoutMs;
  const { instance, memoryLimitBytes, tableEntries } = guest;
  const gate = createHostCallGate(prep.policy, unanswered);
  const attempts: InlineBatchAttempt[] = [];
  // When each run ended: the next input's start, read once (runGated reads the clock to time the run).
  const ended: RunEnd = { at: 0 };
  const started = performance.now();
  let t0 = started;
  const done = (stopped: InlineBatchRun["stopped"]): InlineBatchRun => ({
    attempts,
    next: from + attempts.length,
    stopped,
  });
  for (let i = from; i < inputs.length; i++) {
    if (i > from && t0 - started >= sliceMs) return done("time");
    if (deadline !== undefined && t0 >= deadline) return done("deadline");
    let input: Uint8Array;
    try {
      input = checkInput(inputs[i] as string | Uint8Array, sizes);
    } catch (cause) {
      const t1 = performance.now();
      attempts.push({ refused: ExtensionError.from(cause), wallMs: t1 - t0 });
      t0 = t1;
      continue;
    }
    if (!makesOnCallerThread(instance, tableEntries)) {
      attempts.push({ skipped: "not_ready", wallMs: performance.now() - t0 });
      return done("pool");
    }
    prep.input = input;
    prep.fuel = fuel;
    prep.timeoutMs =
      deadline === undefined ? timeoutMs : Math.max(1, Math.min(timeoutMs, Math.floor(deadline - t0)));
    const attempt = judgeSliced(
      runGated(instance, prep, memoryLimitBytes, gate, undefined, ended),
      sliced,
      budget,
    );
    const t1 = ended.at;
    if ("skipped" in attempt) {
      attempts.push({ skipped: attempt.skipped, wallMs: t1 - t0 });
      return done("pool");
    }
    attempts.push({ ran: attempt.ran, wallMs: t1 - t0 });
    if (attempt.ran.outcome === "technical_error") return done("failure");
    t0 = t1;
  }
  return done("end");
}
