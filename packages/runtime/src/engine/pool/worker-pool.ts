import { availableParallelism } from "node:os";
import { ExtensionError } from "@ameide-ext/contract";
import type { PreparedInvocation } from "../invoke/prepare-invocation.js";
import type { CompiledExtension } from "../load/compile-extension.js";
import type { HostCallHandler, InvocationResult } from "../types.js";
import { answerHostCall } from "./host-call-relay.js";
import { failure, type Job, nextLive } from "./pool-job.js";
import { armDeadline, INSTANTIATION_LIMIT_MS } from "./run-deadline.js";
import type { FromWorker, ToWorker } from "./worker-protocol.js";
import { type Slot, spawnSlot } from "./worker-slot.js";

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Worker threads. Default: the machine's parallelism, at most 4. Bounds 1..64. */
  size?: number;
  /** Live instances each worker keeps. Default 64. */
  cacheEntries?: number;
  /** Invocations waiting for a worker before new ones are refused with `unavailable`. Default 10,000. */
  maxQueue?: number;
  /** JS heap per worker, in MiB (guest linear memory is capped separately). Default 256. */
  workerHeapMb?: number;
}

/** A pool of worker threads that run invocations with a wall-clock limit. */
export interface WorkerPool {
  /** Runs `prep` on module `key`; never rejects for guest behaviour, only resolves with a result. */
  run(
    key: string,
    mod: CompiledExtension,
    prep: PreparedInvocation,
    handler: HostCallHandler | undefined,
    startBy?: number | undefined,
    runBy?: number | undefined,
  ): Promise<InvocationResult>;
  /** Workers replaced so far (time-outs and crashes). */
  readonly replaced: number;
  /**
   * Fault injection: terminates one worker from outside, as a crash would (a
   * busy one first). Its invocation ends with `unavailable/worker_lost` and the
   * worker is replaced. Returns false when no worker is running.
   */
  terminateWorker(): boolean;
  /** Resolves once every worker has booted, so the first invocations do not wait for them. */
  warm(): Promise<void>;
  /** Stops every worker; pending invocations end with `unavailable`. */
  close(): Promise<void>;
}

const MAX_BOOT_FAILURES = 3;

/**
 * Creates the worker pool. We use our own thin pool rather than piscina or
 * tinypool because host calls must block the guest's thread on Atomics.wait
 * while this thread answers them, over a per-worker SharedArrayBuffer and
 * MessagePort that a generic pool does not give access to; and a time-out must
 * terminate exactly the worker that runs the stuck invocation. Its pieces: a
 * worker and what it shares (worker-slot.ts), a job and the queue
 * (pool-job.ts), host calls (host-call-relay.ts), the wall-clock limit
 * (run-deadline.ts); here, the slots' lives and the queue's pumping.
 */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const size = options.size ?? Math.min(4, Math.max(1, availableParallelism()));
  if (!Number.isInteger(size) || size < 1 || size > 64)
    throw new RangeError(`pool size is ${size}, the bounds are 1..64`);
  const maxQueue = options.maxQueue ?? 10_000;
  const slotOptions = { cacheEntries: options.cacheEntries ?? 64, heapMb: options.workerHeapMb ?? 256 };
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let replaced = 0;
  let closed = false;
  let bootFailures = 0;
  const warmWaiters: Array<() => void> = [];

  const spawn = (): Slot => spawnSlot(slotOptions, onMessage, lose);

  const finish = (slot: Slot, result: InvocationResult) => {
    const job = slot.job;
    if (!job) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    slot.worker.unref();
    job.resolve(result);
    pump();
  };

  /** A worker that cannot even boot will not boot next time either: fail what waits rather than spin. */
  const countBoot = (slot: Slot, error: ExtensionError) => {
    if (slot.ready) {
      bootFailures = 0;
      return;
    }
    bootFailures++;
    if (bootFailures < MAX_BOOT_FAILURES) return;
    const cause = new ExtensionError(
      "unavailable",
      `guest workers fail to start: ${error.message}`,
      "worker_lost",
    );
    for (const job of queue.splice(0)) job.resolve(failure(job, cause));
  };

  /** Ends a worker (crash, exit, time-out), its job with `error`, and replaces it unless the pool is closed or workers cannot boot. */
  function lose(slot: Slot, error: ExtensionError): void {
    const i = slots.indexOf(slot);
    if (i < 0) return;
    countBoot(slot, error);
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.resolve(failure(job, error));
    }
    slot.replies.close();
    void slot.worker.terminate();
    if (closed) {
      slots.splice(i, 1);
      return;
    }
    replaced++;
    if (bootFailures >= MAX_BOOT_FAILURES) {
      slots.splice(i, 1);
      return;
    }
    slots[i] = spawn();
    pump();
  }

  const booted = (slot: Slot) => {
    slot.ready = true;
    pump();
    if (slots.every((s) => s.ready)) for (const w of warmWaiters.splice(0)) w();
  };
  function onMessage(slot: Slot, m: FromWorker): void {
    routeMessage(slot, m, { booted, finish, lose });
  }

  const pump = () => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = nextLive(queue);
      if (job) startJob(slot, job, lose);
    }
  };

  for (let i = 0; i < size; i++) slots.push(spawn());

  return {
    run(key, mod, prep, handler, startBy, runBy) {
      return new Promise<InvocationResult>((resolve) => {
        const job: Job = {
          id: nextId++,
          key,
          mod,
          prep,
          handler,
          resolve,
          started: performance.now(),
          startBy,
          runBy,
        };
        if (closed) {
          resolve(
            failure(job, new ExtensionError("unavailable", "the worker pool is closed", "worker_lost")),
          );
          return;
        }
        if (queue.length >= maxQueue) {
          const full = new ExtensionError(
            "unavailable",
            `the invocation queue is full (${maxQueue})`,
            "worker_lost",
          );
          resolve(failure(job, full));
          return;
        }
        queue.push(job);
        while (slots.length < size) slots.push(spawn());
        pump();
      });
    },
    get replaced() {
      return replaced;
    },
    warm() {
      while (slots.length < size && !closed) slots.push(spawn());
      if (closed || slots.every((s) => s.ready)) return Promise.resolve();
      return new Promise<void>((resolve) => warmWaiters.push(resolve));
    },
    terminateWorker() {
      const slot = slots.find((s) => s.job) ?? slots[0];
      if (!slot) return false;
      // The "exit" listener then replaces it, exactly as for a crash.
      void slot.worker.terminate();
      return true;
    },
    async close() {
      closed = true;
      for (const w of warmWaiters.splice(0)) w();
      for (const job of queue.splice(0))
        job.resolve(failure(job, new ExtensionError("unavailable", "the worker pool closed", "worker_lost")));
      await Promise.all([...slots].map((s) => s.worker.terminate()));
    },
  };
}

/** What a worker's message may do to its pool. */
interface MessageTargets {
  /** The worker has loaded its code. */
  booted(slot: Slot): void;
  /** The worker's job ended with this result. */
  finish(slot: Slot, result: InvocationResult): void;
  /** Stops and replaces the worker, its job ended with the error. */
  lose(slot: Slot, error: ExtensionError): void;
}

/** Acts on one message of a worker (worker-protocol.ts); a message about a job the worker no longer runs is dropped. */
function routeMessage(slot: Slot, m: FromWorker, pool: MessageTargets): void {
  if (m.t === "ready") {
    pool.booted(slot);
    return;
  }
  const job = slot.job;
  if (!job || m.id !== job.id) return;
  switch (m.t) {
    case "result":
      pool.finish(slot, m.result);
      break;
    case "failed":
      pool.finish(slot, failure(job, ExtensionError.from(m.error)));
      break;
    case "missing":
      slot.worker.postMessage({
        t: "invoke",
        id: job.id,
        key: job.key,
        mod: job.mod,
        prep: job.prep,
      } satisfies ToWorker);
      break;
    case "instantiating":
      // The worker makes the instance before the run (readyBeforeRun): bounded on its own
      // (a linked component takes milliseconds, more on a cold worker), then the run gets its whole limit.
      armDeadline(
        slot,
        job,
        Math.max(job.prep.timeoutMs, INSTANTIATION_LIMIT_MS),
        "instantiating",
        pool.lose,
      );
      break;
    case "instantiated":
      armDeadline(slot, job, job.prep.timeoutMs, "running", pool.lose);
      break;
    case "hostcall":
      job.call = m.seq;
      void answerHostCall(slot, job, m);
      break;
  }
}

/**
 * Gives `job` to an idle, booted worker, its deadline armed from now. The
 * module is not sent: the worker asks for it (`missing`) when it has no
 * instance of that key yet.
 */
function startJob(slot: Slot, job: Job, lose: MessageTargets["lose"]): void {
  slot.job = job;
  // A running invocation keeps the process alive; an idle pool does not.
  slot.worker.ref();
  armDeadline(slot, job, job.prep.timeoutMs, "running", lose);
  slot.worker.postMessage({
    t: "invoke",
    id: job.id,
    key: job.key,
    mod: undefined,
    prep: job.prep,
  } satisfies ToWorker);
}
