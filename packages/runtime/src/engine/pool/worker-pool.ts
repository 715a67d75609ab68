import { availableParallelism } from "node:os";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { ExtensionError } from "@ameide-ext/contract";
import type { HostCallAnswer } from "../instance/instance-lifecycle.js";
import { hostErrorPayload } from "../invoke/host-call-gate.js";
import type { PreparedInvocation } from "../invoke/prepare-invocation.js";
import { createRunClock, RUN_CLOCK_BYTES, type RunClock } from "../invoke/run-clock.js";
import type { CompiledExtension } from "../load/compile-extension.js";
import type { HostCallHandler, InvocationResult } from "../types.js";
import type { FromWorker, HostCallReply, ToWorker, WorkerData } from "./worker-protocol.js";
import { workerExecArgv, workerScript } from "./worker-script.js";

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

interface Job {
  id: number;
  key: string;
  mod: CompiledExtension;
  prep: PreparedInvocation;
  handler: HostCallHandler | undefined;
  resolve: (r: InvocationResult) => void;
  started: number;
  /** Not started by then (performance.now()): shed as `unavailable/overloaded`. */
  startBy: number | undefined;
  timer?: NodeJS.Timeout;
  /** The host call the worker is blocked on, by its number, while the handler has not answered. */
  call?: number | undefined;
}

interface Slot {
  worker: Worker;
  ctl: Int32Array;
  replies: MessagePort;
  /** Which invocation's guest the worker runs, since when: what the deadline counts. */
  clock: RunClock;
  job: Job | undefined;
  /** False until the worker has loaded its code: boot time must not count against a deadline. */
  ready: boolean;
}

const MAX_BOOT_FAILURES = 3;

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

function failure(job: Job, error: ExtensionError): InvocationResult {
  return {
    outcome: "technical_error",
    error: error.toJSON(),
    stats: {
      fuelUsed: 0,
      fuelLimit: job.prep.fuel,
      memoryBytes: 0,
      memoryLimitBytes: job.mod.memoryLimitBytes,
      durationMs: performance.now() - job.started,
      outputBytes: 0,
      outputLimitBytes: job.prep.outputLimitBytes,
      hostCalls: 0,
    },
    logs: [],
  };
}

/**
 * Creates the worker pool. We use our own thin pool rather than piscina or
 * tinypool because host calls must block the guest's thread on Atomics.wait
 * while this thread answers them, over a per-worker SharedArrayBuffer and
 * MessagePort that a generic pool does not give access to; and a time-out must
 * terminate exactly the worker that runs the stuck invocation.
 */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const size = options.size ?? Math.min(4, Math.max(1, availableParallelism()));
  if (!Number.isInteger(size) || size < 1 || size > 64)
    throw new RangeError(`pool size is ${size}, the bounds are 1..64`);
  const cacheEntries = options.cacheEntries ?? 64;
  const maxQueue = options.maxQueue ?? 10_000;
  const heapMb = options.workerHeapMb ?? 256;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let replaced = 0;
  let closed = false;
  let bootFailures = 0;
  const warmWaiters: Array<() => void> = [];

  const spawn = (): Slot => {
    const ctlBuf = new SharedArrayBuffer(4);
    const clockBuf = new SharedArrayBuffer(RUN_CLOCK_BYTES);
    const { port1, port2 } = new MessageChannel();
    const wd: WorkerData = { ctl: ctlBuf, clock: clockBuf, replies: port2, cacheEntries };
    const { script, eval: isEval } = workerScript(new URL("./worker-entry", import.meta.url));
    const worker = new Worker(script, {
      eval: isEval,
      workerData: wd,
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
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
      lose(slot, new ExtensionError("unavailable", `a guest worker crashed: ${e.message}`, "worker_lost")),
    );
    worker.on("exit", () =>
      lose(slot, new ExtensionError("unavailable", "a guest worker exited", "worker_lost")),
    );
    return slot;
  };

  const finish = (slot: Slot, result: InvocationResult) => {
    const job = slot.job;
    if (!job) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    slot.worker.unref();
    job.resolve(result);
    pump();
  };

  const lose = (slot: Slot, error: ExtensionError) => {
    const i = slots.indexOf(slot);
    if (i < 0) return;
    if (!slot.ready) {
      // A worker that cannot even boot will not boot next time either: fail what waits rather than spin.
      bootFailures++;
      if (bootFailures >= MAX_BOOT_FAILURES) {
        for (const job of queue.splice(0))
          job.resolve(
            failure(
              job,
              new ExtensionError(
                "unavailable",
                `guest workers fail to start: ${error.message}`,
                "worker_lost",
              ),
            ),
          );
      }
    } else {
      bootFailures = 0;
    }
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
  };

  const onMessage = (slot: Slot, m: FromWorker) => {
    if (m.t === "ready") {
      slot.ready = true;
      pump();
      if (slots.every((s) => s.ready)) for (const w of warmWaiters.splice(0)) w();
      return;
    }
    const job = slot.job;
    if (!job || m.id !== job.id) return;
    switch (m.t) {
      case "result":
        finish(slot, m.result);
        break;
      case "failed":
        finish(slot, failure(job, ExtensionError.from(m.error)));
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
        // Making the instance is the engine's work, as a worker's boot is: bounded on its own
        // (a linked component takes milliseconds, more on a cold worker), then the run gets its whole limit.
        arm(slot, job, Math.max(job.prep.timeoutMs, INSTANTIATION_LIMIT_MS), "instantiating");
        break;
      case "instantiated":
        arm(slot, job, job.prep.timeoutMs, "running");
        break;
      case "hostcall":
        job.call = m.seq;
        void answerHostCall(slot, job, m.seq, m.service, m.method, m.requestJson, m.remainingMs);
        break;
    }
  };

  const reply = (slot: Slot, job: Job, seq: number, answer: HostCallAnswer, cut = false) => {
    job.call = undefined;
    slot.replies.postMessage({ id: job.id, seq, answer, cut } satisfies HostCallReply);
    Atomics.store(slot.ctl, 0, 1);
    Atomics.notify(slot.ctl, 0);
  };

  const answerHostCall = async (
    slot: Slot,
    job: Job,
    seq: number,
    service: string,
    method: string,
    requestJson: string,
    remainingMs: number,
  ) => {
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
    reply(slot, job, seq, answer);
  };

  /**
   * When the running limit's timer fires: the time is up only if the guest itself has run that long.
   * A run that has not started (its message waits while the worker restores a memory or collects
   * garbage) or that has ended (its result not read yet: this thread was busy) is the engine's time:
   * the timer is set again, for what the guest has left, within INSTANTIATION_LIMIT_MS of waiting.
   */
  const guestTimeLeft = (slot: Slot, job: Job, armedAt: number): number => {
    const at = slot.clock.read(job.id);
    const waited = performance.now() - armedAt;
    if (at.phase === "running") return job.prep.timeoutMs - at.elapsedMs;
    if (waited >= INSTANTIATION_LIMIT_MS + job.prep.timeoutMs) return 0;
    return at.phase === "ended" ? 5 : job.prep.timeoutMs;
  };

  /** Arms the invocation's wall-clock limit (or, while the worker instantiates, that bound), from now. */
  const arm = (
    slot: Slot,
    job: Job,
    limitMs: number,
    phase: "instantiating" | "running",
    armedAt = performance.now(),
  ) => {
    clearTimeout(job.timer);
    job.timer = setTimeout(() => {
      if (slot.job !== job) return;
      const left = phase === "running" ? guestTimeLeft(slot, job, armedAt) : 0;
      if (left > 0) {
        arm(slot, job, Math.ceil(left), phase, armedAt);
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
      if (job.call !== undefined) {
        // The guest is blocked on a host call, not running: cut the call rather than the worker. The guest
        // gets deadline_exceeded, and the invocation ends with it (the reply says it was cut); a guest that
        // does not end within the grace loses its worker as usual.
        reply(
          slot,
          job,
          job.call,
          {
            err: hostErrorPayload(
              new ExtensionError(
                "deadline_exceeded",
                `the host call did not answer within the invocation's wall-clock limit of ${job.prep.timeoutMs} ms`,
                "timeout",
              ),
            ),
          },
          true,
        );
        job.timer = setTimeout(() => {
          if (slot.job !== job) return;
          lose(
            slot,
            new ExtensionError(
              "deadline_exceeded",
              `the invocation passed its wall-clock limit of ${job.prep.timeoutMs} ms and its worker was stopped`,
              "timeout",
              { limit: job.prep.timeoutMs },
            ),
          );
        }, HOST_CALL_GRACE_MS);
        return;
      }
      lose(
        slot,
        new ExtensionError(
          "deadline_exceeded",
          `the invocation passed its wall-clock limit of ${job.prep.timeoutMs} ms and its worker was stopped`,
          "timeout",
          { limit: job.prep.timeoutMs },
        ),
      );
    }, limitMs);
  };

  const start = (slot: Slot, job: Job) => {
    slot.job = job;
    // A running invocation keeps the process alive; an idle pool does not.
    slot.worker.ref();
    arm(slot, job, job.prep.timeoutMs, "running");
    slot.worker.postMessage({
      t: "invoke",
      id: job.id,
      key: job.key,
      mod: undefined,
      prep: job.prep,
    } satisfies ToWorker);
  };

  /** The next job whose caller still waits; those whose start-by time passed end `unavailable/overloaded`. */
  const nextLive = (): Job | undefined => {
    const now = performance.now();
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (job.startBy === undefined || now <= job.startBy) return job;
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
  };

  const pump = () => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = nextLive();
      if (job) start(slot, job);
    }
  };

  for (let i = 0; i < size; i++) slots.push(spawn());

  return {
    run(key, mod, prep, handler, startBy) {
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
        };
        if (closed) {
          resolve(
            failure(job, new ExtensionError("unavailable", "the worker pool is closed", "worker_lost")),
          );
          return;
        }
        if (queue.length >= maxQueue) {
          resolve(
            failure(
              job,
              new ExtensionError("unavailable", `the invocation queue is full (${maxQueue})`, "worker_lost"),
            ),
          );
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
