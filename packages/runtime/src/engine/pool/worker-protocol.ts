import type { MessagePort } from "node:worker_threads";
import type { ExtensionErrorData } from "@ameide-ext/contract";
import type { HostCallAnswer } from "../instance/instance-lifecycle.js";
import type { PreparedInvocation } from "../invoke/prepare-invocation.js";
import type { CompiledExtension } from "../load/compile-extension.js";
import type { InvocationResult } from "../types.js";

/** Messages from the pool to a worker. */
export type ToWorker = {
  t: "invoke";
  id: number;
  key: string;
  /**
   * The compiled extension, sent only when the worker has no instance of
   * `key` (it answers "missing" first): its compiled modules (structured
   * clone shares them, nothing is compiled again), and for a linked
   * component the glue's source and each module's snapshot metadata.
   */
  mod: CompiledExtension | undefined;
  prep: PreparedInvocation;
};

/** Messages from a worker to the pool. */
export type FromWorker =
  | { t: "ready"; id: 0 }
  | { t: "result"; id: number; result: InvocationResult }
  | { t: "missing"; id: number }
  /** The worker makes a new instance for the invocation before running it. */
  | { t: "instantiating"; id: number }
  /** The instance is made; the run starts now. */
  | { t: "instantiated"; id: number }
  | { t: "failed"; id: number; error: ExtensionErrorData }
  | {
      t: "hostcall";
      id: number;
      /** The call's number within its invocation, echoed in the reply. */
      seq: number;
      service: string;
      method: string;
      requestJson: string;
      remainingMs: number;
    };

/**
 * A host-call answer, tagged with the invocation and the call it answers: an
 * answer that comes too late for its call must never be read by a later one.
 */
export interface HostCallReply {
  id: number;
  /** Which call of the invocation it answers. */
  seq: number;
  answer: HostCallAnswer;
  /** True when the pool answered for the handler because the invocation reached its wall-clock limit. */
  cut: boolean;
}

/** The data each worker starts with. */
export interface WorkerData {
  /** Int32Array cell 0: 0 = waiting, 1 = an answer was posted on `replies`. */
  ctl: SharedArrayBuffer;
  /** The worker's {@link RunClock} (run-clock.ts): which invocation's guest runs, since when. */
  clock: SharedArrayBuffer;
  replies: MessagePort;
  cacheEntries: number;
}
