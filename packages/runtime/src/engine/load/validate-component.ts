import type { ExtensionLimits, SizeLimits } from "@ameide-ext/contract";
import { resolveLimits, resolveSizeLimits } from "../invoke/resolve-limits.js";
import { compileAndWarm } from "./compile-and-warm.js";

/** A component the engine would load, as {@link validateComponent} found it. */
export interface ValidComponent {
  /** sha256 of the component bytes, lowercase hex. */
  sha256: string;
  /** Component size in bytes. */
  sizeBytes: number;
  /** The component's world, as printed by wit-component. */
  wit: string;
  /** The limits it was checked with, defaults filled in. */
  limits: ExtensionLimits;
}

/**
 * Checks a component exactly as `Engine.load` does, without an engine: size
 * limit, world against the contract, the core ABI (or the link plan of a
 * composed component), metering, the memory cap, and one instantiation (a
 * start function that traps is refused). For a build, which checks a
 * component and runs nothing. Runs on the caller's thread; nothing is kept.
 *
 * Throws ExtensionError: `invalid_argument/invalid_limits` (a limit out of
 * LIMIT_BOUNDS, or a size limit not a positive integer), `invalid_argument/
 * module_size`, `invalid_argument/invalid_module`, `invalid_argument/
 * missing_export`, `invalid_argument/module_too_complex`…, the same codes and
 * reasons as a load.
 */
export async function validateComponent(
  bytes: Uint8Array,
  limits?: Partial<ExtensionLimits>,
  sizeLimits?: Partial<SizeLimits>,
): Promise<ValidComponent> {
  const resolved = resolveLimits(limits);
  const sizes = resolveSizeLimits(sizeLimits);
  const { compiled } = await compileAndWarm(bytes, {
    memoryMb: resolved.memoryMb,
    maxModuleBytes: sizes.moduleBytes,
    maxCallDepth: sizes.callDepth,
  });
  return { sha256: compiled.sha256, sizeBytes: compiled.sizeBytes, wit: compiled.wit, limits: resolved };
}
