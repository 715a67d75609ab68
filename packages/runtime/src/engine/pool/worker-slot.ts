import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { ExtensionError } from "@ameide-ext/contract";
import { createRunClock, RUN_CLOCK_BYTES, type RunClock } from "../invoke/run-clock.js";
import type { Job } from "./pool-job.js";
import type { FromWorker, WorkerData } from "./worker-protocol.js";
import { workerExecArgv, workerScript } from "./worker-script.js";

/** One worker of the pool, with what this thread shares with it. */
export interface Slot {
  worker: Worker;
  /** Signals a host call's answer to the worker blocked on Atomics.wait. */
  ctl: Int32Array;
  /** Where host-call answers go. */
  replies: MessagePort;
  /** Which invocation's guest the worker runs, since when: what the deadline counts. */
  clock: RunClock;
  job: Job | undefined;
  /** False until the worker has loaded its code: boot time must not count against a deadline. */
  ready: boolean;
}

/** How a pool's workers are made. */
export interface SlotOptions {
  /** Live instances each worker keeps. */
  cacheEntries: number;
  /** JS heap per worker, in MiB. */
  heapMb: number;
}

/**
 * Starts one pool worker (worker-entry.ts), unref'd until it runs a job: its
 * messages go to `onMessage`; a crash or an exit to `onLost`, with
 * `unavailable/worker_lost`.
 */
export function spawnSlot(
  options: SlotOptions,
  onMessage: (slot: Slot, m: FromWorker) => void,
  onLost: (slot: Slot, error: ExtensionError) => void,
): Slot {
  const ctlBuf = new SharedArrayBuffer(4);
  const clockBuf = new SharedArrayBuffer(RUN_CLOCK_BYTES);
  const { port1, port2 } = new MessageChannel();
  const wd: WorkerData = { ctl: ctlBuf, clock: clockBuf, replies: port2, cacheEntries: options.cacheEntries };
  const { script, eval: isEval } = workerScript(new URL("./worker-entry", import.meta.url));
  const worker = new Worker(script, {
    eval: isEval,
    workerData: wd,
    transferList: [port2],
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb },
    execArgv: workerExecArgv(),
  });
  worker.unref();
  const slot: Slot = {
    worker,
    ctl: new Int32Array(ctlBuf),
    replies: port1,
    clock: createRunClock(clockBuf),
    job: undefined,
    ready: false,
  };
  worker.on("message", (m: FromWorker) => onMessage(slot, m));
  worker.on("error", (e) =>
    onLost(slot, new ExtensionError("unavailable", `a guest worker crashed: ${e.message}`, "worker_lost")),
  );
  worker.on("exit", () =>
    onLost(slot, new ExtensionError("unavailable", "a guest worker exited", "worker_lost")),
  );
  return slot;
}
