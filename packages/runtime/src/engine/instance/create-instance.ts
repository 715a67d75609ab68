import type { CompiledExtension } from "../load/compile-extension.js";
import { createGuestInstance } from "./guest-instance.js";
import type { GuestInstance } from "./instance-lifecycle.js";
import { createLinkedInstance } from "./linked-instance.js";

/**
 * Makes a guest instance of a compiled extension, by its shape: one core
 * module, or a component linked through its glue. The engine and the pool's
 * workers both make their instances here.
 */
export function createInstance(compiled: CompiledExtension): GuestInstance {
  return compiled.kind === "core" ? createGuestInstance(compiled) : createLinkedInstance(compiled);
}
