import type { CompiledExtension } from "../load/compile-extension.js";
import { createGuestInstance } from "./guest-instance.js";
import type { GuestInstance } from "./instance-lifecycle.js";
import { createLinkedInstance } from "./linked-instance.js";

/**
 * Makes a guest instance of a compiled extension, by its shape: one core
 * module, or a component linked through its glue. The engine and the pool's
 * workers both make their instances here. `remade`: a cache on this thread
 * evicted an instance of the same load before, so the first run pays for this
 * one's making (see createInstanceLifecycle).
 */
export function createInstance(compiled: CompiledExtension, remade = false): GuestInstance {
  return compiled.kind === "core"
    ? createGuestInstance(compiled, compiled.seed, remade)
    : createLinkedInstance(compiled, remade);
}
