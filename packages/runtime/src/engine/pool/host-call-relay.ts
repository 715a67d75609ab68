import { ExtensionError } from "@ameide-ext/contract";
import type { HostCallAnswer } from "../instance/instance-lifecycle.js";
import { hostErrorPayload } from "../invoke/host-call-gate.js";
import type { Job } from "./pool-job.js";
import type { HostCallReply } from "./worker-protocol.js";
import type { Slot } from "./worker-slot.js";

/**
 * Hands a host call's answer to the worker blocked on it: posted on the
 * replies port, then signalled through the shared word it waits on. `cut`:
 * answered for the handler at the deadline, so the invocation ends with
 * `deadline_exceeded` whatever the guest makes of it.
 */
export function replyToHostCall(
  slot: Slot,
  job: Job,
  seq: number,
  answer: HostCallAnswer,
  cut = false,
): void {
  job.call = undefined;
  slot.replies.postMessage({ id: job.id, seq, answer, cut } satisfies HostCallReply);
  Atomics.store(slot.ctl, 0, 1);
  Atomics.notify(slot.ctl, 0);
}

/** One host call a worker's guest made, as the worker posted it. */
export interface PostedHostCall {
  seq: number;
  service: string;
  method: string;
  requestJson: string;
  remainingMs: number;
}

/**
 * Answers a worker's host call through the job's handler, on this thread
 * (the handler may be asynchronous): its failure, or a missing handler, is an
 * error answer the guest receives. Dropped when the job timed out meanwhile.
 */
export async function answerHostCall(slot: Slot, job: Job, call: PostedHostCall): Promise<void> {
  const { seq, service, method, requestJson, remainingMs } = call;
  let answer: HostCallAnswer;
  try {
    if (!job.handler)
      throw new ExtensionError(
        "unavailable",
        `no handler answers host calls to ${service}`,
        "host_call_failed",
      );
    answer = { ok: await job.handler({ service, method, requestJson, ctx: job.prep.ctx, remainingMs }) };
  } catch (cause) {
    answer = { err: hostErrorPayload(cause) };
  }
  if (slot.job !== job || job.call !== seq) return; // timed out meanwhile
  replyToHostCall(slot, job, seq, answer);
}
