import { ExtensionError } from "@ameide-ext/contract";
import { createInstance } from "../instance/create-instance.js";
import type { GuestInstance } from "../instance/instance-lifecycle.js";
import { type CompiledExtension, type CompileOptions, compileExtension } from "./compile-extension.js";

/** What {@link compileAndWarm} made: the compiled extension and its first, initialised instance. */
export interface WarmExtension {
  compiled: CompiledExtension;
  instance: GuestInstance;
  /** How long the first instantiation (start and initialize functions included) took, in milliseconds. */
  warmMs: number;
}

/**
 * All of a load's work on guest bytes: verify, validate, check the shape,
 * instrument, compile, then instantiate once, so a module whose start
 * function traps is refused at load, not at first use (`invalid_argument /
 * invalid_module`, details.cause "trap" or "stack"). Where it runs is the
 * engine's choice: on the caller's thread, or in the load worker.
 */
export async function compileAndWarm(bytes: Uint8Array, options: CompileOptions): Promise<WarmExtension> {
  const compiled = await compileExtension(bytes, options);
  const instance = createInstance(compiled);
  const started = performance.now();
  try {
    instance.warm();
  } catch (cause) {
    if (cause instanceof ExtensionError) throw cause;
    const reason = cause instanceof RangeError ? "stack" : "trap";
    throw new ExtensionError(
      "invalid_argument",
      `the module traps while it initialises: ${cause instanceof Error ? cause.message : String(cause)}`,
      "invalid_module",
      { cause: reason },
    );
  }
  const warmMs = performance.now() - started;
  // Every other instance of this load (a pool worker's, one made again after a cache evicted it) starts from
  // this one's snapshot: none runs the start and initialize functions again, work no invocation pays for.
  if (compiled.kind === "core") compiled.seed = instance.snapshot();
  return { compiled, instance, warmMs };
}
