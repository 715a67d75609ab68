import { parentPort } from "node:worker_threads";
import { ExtensionError } from "@ameide-ext/contract";
import type { LinkedModule } from "../../component/link-component.js";
import { expectedWorld } from "../../component/validate-contract.js";
import { compileAndWarm } from "./compile-and-warm.js";
import { LINKED_MODULE_CACHE_ENTRIES } from "./compile-extension.js";
import type { LoadJob, LoadReply } from "./load-protocol.js";
import { createModuleCache } from "./module-cache.js";

// The load worker: compiles one extension at a time, off the thread that serves, and hands back
// the compiled extension with the snapshot its first instance took (see load-thread.ts).
const port = parentPort;
if (!port) throw new Error("load-entry must run in a worker thread");
const linkedModules = createModuleCache<LinkedModule>(LINKED_MODULE_CACHE_ENTRIES);
const post = (m: LoadReply | { ready: true }) => port.postMessage(m);

port.on("message", (job: LoadJob) => {
  compileAndWarm(job.bytes, { ...job.options, linkedModules }).then(
    ({ compiled, instance, warmMs }) => post({ id: job.id, compiled, snapshot: instance.snapshot(), warmMs }),
    (cause: unknown) => post({ id: job.id, error: ExtensionError.from(cause).toJSON() }),
  );
});

// The contract's own world is built once per thread, through the same wit-component a load uses:
// part of the worker's boot, which no load's time limit counts.
await expectedWorld();
post({ ready: true });
