import { createHash } from "node:crypto";
import { ExtensionError } from "@ameide-ext/pdk/contract";
import { readComponent, readCoreExportNames } from "../component/read-component.js";
import { type AbiNames, validateCoreAbi, validateWorld } from "../component/validate-contract.js";
import { instrumentModule, type MeterMode } from "../wasm/instrument-module.js";
import { formatBytes } from "./resolve-limits.js";

/** A verified, metered, compiled extension. Plain data: it can be posted to a worker. */
export interface CompiledExtension {
  /** sha256 of the component bytes, hex. */
  sha256: string;
  /** Component size in bytes. */
  sizeBytes: number;
  /** The guest core module, instrumented and compiled. */
  module: WebAssembly.Module;
  /** Canonical ABI names the guest uses. */
  abi: AbiNames;
  /** Exports of mutable globals to restore between invocations. */
  snapshotGlobals: string[];
  /** When true, each invocation gets a fresh instance instead of a restored snapshot. */
  freshInstance: boolean;
  /** The memory cap, in bytes. */
  memoryLimitBytes: number;
  /** The component's world, as printed by wit-component. */
  wit: string;
}

/** Options of {@link compileExtension}. */
export interface CompileOptions {
  /** Expected sha256 (hex). When given, a mismatch is refused with `failed_precondition/integrity`. */
  sha256?: string | undefined;
  /** Memory cap in MiB. */
  memoryMb: number;
  /** Largest component accepted, in bytes. */
  maxModuleBytes: number;
  /** Deepest call stack, in frames. */
  maxCallDepth: number;
  /** How fuel is charged. Default "block". */
  meter?: MeterMode;
}

/** Hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Verifies, validates, instruments and compiles a component: size limit,
 * sha256, world against the contract, core imports and exports against the
 * canonical ABI, fuel metering and the memory cap.
 */
export async function compileExtension(
  bytes: Uint8Array,
  options: CompileOptions,
): Promise<CompiledExtension> {
  if (bytes.length > options.maxModuleBytes) {
    throw new ExtensionError(
      "invalid_argument",
      `module is ${formatBytes(bytes.length)}, the limit is ${formatBytes(options.maxModuleBytes)}`,
      "module_size",
      { actual: bytes.length, limit: options.maxModuleBytes },
    );
  }
  const sha256 = sha256Hex(bytes);
  if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) {
    throw new ExtensionError(
      "failed_precondition",
      `integrity check failed: the module's sha256 is ${sha256}, the reference says ${options.sha256}`,
      "integrity",
      { expected: options.sha256, actual: sha256 },
    );
  }
  const parts = readComponent(bytes);
  const wit = await validateWorld(bytes);
  const main = parts.coreModules.filter((m) => {
    const names = readCoreExportNames(m);
    return names.includes("run") || names.includes("cm32p2||run");
  });
  if (main.length !== 1) {
    throw new ExtensionError(
      "invalid_argument",
      `expected one core module exporting run, found ${main.length}`,
      main.length === 0 ? "missing_export" : "invalid_module",
    );
  }
  const core = main[0] as Uint8Array;
  const memoryPages = options.memoryMb * 16;
  const instrumented = instrumentModule(core, {
    maxMemoryPages: memoryPages,
    maxCallDepth: options.maxCallDepth,
    meter: options.meter ?? "block",
  });
  const abi = validateCoreAbi(instrumented.imports, instrumented.exportSigs, readCoreExportNames(core));
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(instrumented.bytes);
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `the guest module does not validate: ${cause instanceof Error ? cause.message : String(cause)}`,
      "invalid_module",
    );
  }
  return {
    sha256,
    sizeBytes: bytes.length,
    module,
    abi,
    snapshotGlobals: instrumented.snapshotGlobals,
    freshInstance: instrumented.mutatesTables,
    memoryLimitBytes: memoryPages * 65536,
    wit,
  };
}
