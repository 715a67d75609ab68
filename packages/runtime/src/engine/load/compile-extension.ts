import { ExtensionError, MAX_LINKED_MODULES } from "@ameide-ext/contract";
import { checkLinkNames } from "../../component/check-link-names.js";
import {
  compileLinked,
  type LinkedExtension,
  type LinkedModuleCache,
  planLink,
} from "../../component/link-component.js";
import { type ComponentParts, readComponent, readCoreExportNames } from "../../component/read-component.js";
import { sha256Hex } from "../../component/sha256-hex.js";
import { type AbiNames, validateCoreAbi, validateWorld } from "../../component/validate-contract.js";
import { tooComplex } from "../../wasm/check-module-shape.js";
import { instrumentModule, type MeterMode } from "../../wasm/instrument-module.js";
import { stripStartSection } from "../../wasm/strip-start-section.js";
import type { GuestSnapshot } from "../instance/instance-lifecycle.js";
import { formatBytes } from "../invoke/resolve-limits.js";

/** What every compiled extension has, whatever its shape. */
interface CompiledBase {
  /** sha256 of the component bytes, hex. */
  sha256: string;
  /** Component size in bytes. */
  sizeBytes: number;
  /** The memory cap, in bytes (of each memory, for a linked component). */
  memoryLimitBytes: number;
  /** The component's world, as printed by wit-component. */
  wit: string;
}

/**
 * A component whose guest is one core module (AssemblyScript, and any
 * toolchain that makes one module): only that module is instantiated, with
 * the engine's own host functions.
 */
export interface CompiledCore extends CompiledBase {
  kind: "core";
  /** The guest core module, instrumented and compiled. */
  module: WebAssembly.Module;
  /** Canonical ABI names the guest uses. */
  abi: AbiNames;
  /** Exports of mutable globals to restore between invocations. */
  snapshotGlobals: string[];
  /**
   * True when the module exports START_EXPORT (see instrument-module.ts): a
   * run then sets its fuel, depth, trap and snapshotGlobals in one call.
   */
  startExport: boolean;
  /** When true, each invocation gets a fresh instance instead of a restored snapshot (tables written, segments dropped). */
  freshInstance: boolean;
  /** Entries of the module's tables (initial sizes): what a new instance makes, charged per invocation when `freshInstance`. */
  tableEntries: number;
  /** Data segments of the module: what a new instance copies or keeps (see newInstanceFuel). */
  dataSegments: number;
  /**
   * What every instance after the first is made from: the module without its
   * start section (the module itself when it has none), into which the first
   * instance's snapshot is restored, so no guest code runs to make it.
   * Undefined when that would be wrong: a module that writes tables and has
   * a start or initialize function (which may have written them) runs it
   * again in each new instance, and pays for it (see guest-instance.ts).
   */
  restartModule: WebAssembly.Module | undefined;
  /**
   * The snapshot of the load's first instance, once it is made (see
   * compileAndWarm): every other instance of this load, a pool worker's or
   * one made again after a cache evicted it, starts from it, so no guest code
   * runs to make it. Undefined when there is none (see GuestInstance.snapshot).
   */
  seed?: GuestSnapshot;
}

/**
 * A composed component whose guest links several core modules (TypeScript
 * hooks: QuickJS as a shared library, wit-dylib, WASI stubs): every module is
 * metered with shared counters and instantiated through jco's glue.
 */
export interface CompiledLinked extends CompiledBase, LinkedExtension {
  kind: "linked";
}

/**
 * A verified, metered, compiled extension, by shape. Plain data: it can be
 * posted to a worker. `createInstance` turns either shape into a guest instance.
 */
export type CompiledExtension = CompiledCore | CompiledLinked;

/**
 * Metered core modules of linked components kept by an engine, least recently
 * used evicted. A TypeScript hook has 13, of which 11 are the same in every
 * hook (those stay, as each load touches them), so this holds the shared ones
 * and the per-hook modules of the last few dozen loads.
 */
export const LINKED_MODULE_CACHE_ENTRIES = 64;

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
  /** Metered modules kept between linked components (the engine's, shared by all its loads). Default: none kept. */
  linkedModules?: LinkedModuleCache | undefined;
}

/**
 * Verifies, validates, instruments and compiles a component: size limit,
 * sha256, world against the contract, then by shape: a component with one
 * core module exporting `run` has that module's imports and exports checked
 * against the canonical ABI and is metered alone; a composed component (core
 * modules only inside nested components, as componentize-qjs makes) is linked
 * and all its modules metered with shared counters. Both get fuel metering,
 * the call-depth limit and the memory cap.
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
  const base: CompiledBase = {
    sha256,
    sizeBytes: bytes.length,
    memoryLimitBytes: options.memoryMb * 16 * 65536,
    wit,
  };
  if (isComposed(parts)) {
    // Before jco generates the glue this engine will evaluate: only names that cannot break out of its strings.
    checkLinkNames(bytes);
    const plan = await planLink(bytes);
    if (plan.modules.size > MAX_LINKED_MODULES)
      throw tooComplex("modules", plan.modules.size, MAX_LINKED_MODULES);
    const linked = compileLinked(
      plan,
      { memoryMb: options.memoryMb, maxCallDepth: options.maxCallDepth, meter: options.meter ?? "block" },
      options.linkedModules,
    );
    return { ...base, kind: "linked", glue: linked.glue, modules: linked.modules };
  }
  return compileCore(parts, base, options);
}

/**
 * A composed component: its core modules live in nested components and none
 * at the top level, so no single core module is the guest. A component with a
 * top-level core module is checked as a one-module guest, whatever else it nests.
 */
function isComposed(parts: ComponentParts): boolean {
  return parts.coreModules.length === 0 && parts.nestedComponents > 0;
}

function compileCore(parts: ComponentParts, base: CompiledBase, options: CompileOptions): CompiledCore {
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
  let restartModule: WebAssembly.Module | undefined;
  try {
    module = new WebAssembly.Module(instrumented.bytes);
    const noStart = stripStartSection(instrumented.bytes);
    const initializes = noStart !== undefined || abi.initialize !== undefined;
    if (!(instrumented.mutatesTables && initializes))
      restartModule = noStart ? new WebAssembly.Module(noStart) : module;
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `the guest module does not validate: ${cause instanceof Error ? cause.message : String(cause)}`,
      "invalid_module",
    );
  }
  return {
    ...base,
    kind: "core",
    module,
    abi,
    snapshotGlobals: instrumented.snapshotGlobals,
    startExport: instrumented.startExport,
    freshInstance: instrumented.mutatesTables || instrumented.dropsSegments,
    tableEntries: instrumented.tableEntries,
    dataSegments: instrumented.dataSegments,
    restartModule,
  };
}
