import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { ExtensionError } from "@ameide-ext/contract";
import { createInstance } from "../instance/create-instance.js";
import type { GuestInstance, HostCallAnswer } from "../instance/instance-lifecycle.js";
import { readyBeforeRun } from "../instance/ready-before-run.js";
import { createRunClock } from "../invoke/run-clock.js";
import { runPrepared } from "../invoke/run-prepared.js";
import { createEvictedKeys } from "../load/evicted-keys.js";
import { createModuleCache } from "../load/module-cache.js";
import type { FromWorker, HostCallReply, ToWorker, WorkerData } from "./worker-protocol.js";

// A pool worker: keeps live instances by module key and runs one invocation at
// a time. Host calls block on Atomics.wait while the pool's thread answers.
const data = workerData as WorkerData;
const port = parentPort;
if (!port) throw new Error("worker-entry must run in a worker thread");
const ctl = new Int32Array(data.ctl);
const clock = createRunClock(data.clock);
const evicted = createEvictedKeys(data.cacheEntries);
const instances = createModuleCache<{ instance: GuestInstance; memoryLimitBytes: number }>(
  data.cacheEntries,
  (key) => evicted.add(key),
);
const post = (m: FromWorker) => port.postMessage(m);

port.on("message", (msg: ToWorker) => {
  if (msg.t !== "invoke") return;
  // The instance is made before the run (readyBeforeRun); the pool bounds the making on its own.
  let announced = false;
  const announce = () => {
    if (!announced) post({ t: "instantiating", id: msg.id });
    announced = true;
  };
  let entry = instances.get(msg.key);
  if (!entry) {
    if (!msg.mod) {
      post({ t: "missing", id: msg.id });
      return;
    }
    announce(); // a linked component's glue is evaluated here already
    const instance = createInstance(msg.mod, evicted.take(msg.key));
    entry = { instance, memoryLimitBytes: msg.mod.memoryLimitBytes };
    instances.set(msg.key, entry);
  }
  const instance = entry.instance;
  if (readyBeforeRun(instance, announce)) post({ t: "instantiated", id: msg.id });
  const deadline = performance.now() + msg.prep.timeoutMs;
  let calls = 0;
  let cut = false;
  const answer = (service: string, method: string, requestJson: string): HostCallAnswer => {
    const remainingMs = Math.max(0, deadline - performance.now());
    const seq = ++calls;
    Atomics.store(ctl, 0, 0);
    post({ t: "hostcall", id: msg.id, seq, service, method, requestJson, remainingMs });
    const waited = Atomics.wait(ctl, 0, 0, remainingMs);
    if (waited === "timed-out") {
      throw new ExtensionError(
        "deadline_exceeded",
        `host call ${service}.${method} did not answer before the invocation's limit of ${msg.prep.timeoutMs} ms`,
        "timeout",
        { limit: msg.prep.timeoutMs },
      );
    }
    Atomics.store(ctl, 0, 0);
    for (let spins = 0; spins < 1000; spins++) {
      const reply = receiveMessageOnPort(data.replies);
      if (!reply) continue;
      const tagged = reply.message as HostCallReply;
      // A late answer to an earlier call (of this invocation or an earlier one), which timed out: drop it.
      if (tagged.id !== msg.id || tagged.seq !== seq) continue;
      cut ||= tagged.cut;
      return tagged.answer;
    }
    throw new ExtensionError(
      "internal",
      "host call answer was signalled but not delivered",
      "host_call_failed",
    );
  };
  // The pool's deadline counts from here: the instance is made, the snapshot restored.
  clock.started(msg.id);
  try {
    const result = runPrepared(instance, msg.prep, entry.memoryLimitBytes, answer, () => cut);
    clock.ended(msg.id);
    post({ t: "result", id: msg.id, result });
  } catch (cause) {
    clock.ended(msg.id);
    post({ t: "failed", id: msg.id, error: ExtensionError.from(cause).toJSON() });
  }
  // The result is on its way: restore the snapshot now, while the pool's thread answers, not on the next call.
  instance.clean();
});

post({ t: "ready", id: 0 });
