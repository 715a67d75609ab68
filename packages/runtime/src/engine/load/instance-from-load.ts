import { createInstance } from "../instance/create-instance.js";
import { createGuestInstance } from "../instance/guest-instance.js";
import type { GuestInstance } from "../instance/instance-lifecycle.js";
import type { CompiledExtension } from "./compile-extension.js";
import type { ThreadLoad } from "./load-thread.js";

/**
 * How long a first instantiation may have taken in the load worker for the
 * engine to make one on its own thread as well (a linked component, or a
 * module whose start may write its tables, has no snapshot to start from):
 * start functions are deterministic, so it takes about as long here. Longer,
 * the thread that serves gets no instance and such a version runs in the
 * pool. A TypeScript hook's takes a few milliseconds.
 */
export const THREAD_WARM_LIMIT_MS = 20;

/**
 * This thread's instance of what the load worker made: from the worker's
 * snapshot (a core module: no guest code runs), else made here only when the
 * worker made it within {@link THREAD_WARM_LIMIT_MS}; undefined otherwise.
 */
export function instanceFromLoad(load: ThreadLoad): {
  compiled: CompiledExtension;
  instance: GuestInstance | undefined;
} {
  const { compiled, snapshot } = load;
  if (compiled.kind === "core" && snapshot !== undefined)
    return { compiled, instance: createGuestInstance(compiled, snapshot) };
  if (load.warmMs > THREAD_WARM_LIMIT_MS) return { compiled, instance: undefined };
  const instance = createInstance(compiled);
  try {
    instance.warm();
  } catch {
    return { compiled, instance: undefined }; // it instantiated in the worker; the pool will make its own
  }
  return { compiled, instance };
}
