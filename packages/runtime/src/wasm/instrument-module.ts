import { ExtensionError, FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import { assembleModule, DEPTH_EXPORT, FUEL_EXPORT, MAX_PAGES_32, TRAP_EXPORT } from "./assemble-module.js";
import { checkModuleShape, shapeCapsFor } from "./check-module-shape.js";
import type { MeterMode } from "./injected-code.js";
import type { MeterStats } from "./meter-function.js";
import { type FuncImport, type FuncSig, scanModule } from "./scan-module.js";
import { GLOBAL_EXPORT_PREFIX, layoutCounters } from "./shift-indices.js";
import { checkInputValidates, FUEL_LEFT_EXPORT, planStartFunction, START_EXPORT } from "./start-function.js";
import { malformed, readCoreSections } from "./wasm-reader.js";

// The instrumenter's public names, wherever each is made: the engine and the tests import them from here.
export { DEPTH_EXPORT, FUEL_EXPORT, TRAP_EXPORT } from "./assemble-module.js";
export { type MeterMode, TrapReason } from "./injected-code.js";
export type { FuncImport, FuncSig } from "./scan-module.js";
export { COUNTERS_MODULE, GLOBAL_EXPORT_PREFIX, MEMORY_EXPORT_PREFIX } from "./shift-indices.js";
export { FUEL_LEFT_EXPORT, MAX_START_GLOBALS, START_EXPORT } from "./start-function.js";

/**
 * Fuel for a module's start and initialize functions: 100 ms of CPU by the
 * cost model (600 million at FUEL_PER_CPU_MILLI = 6 million), well under a
 * second. It was 100 million plain instructions before the cost model, which
 * start code of calls or indirect calls used up in tens of milliseconds (and
 * memory.grow loops in seconds): such code still fits, and nothing runs longer.
 */
export const INIT_FUEL_DEFAULT = 100n * BigInt(FUEL_PER_CPU_MILLI);
/** Options of {@link instrumentModule}. */
export interface InstrumentOptions {
  /** Cap for every linear memory, in 64 KiB pages. Bounds: 1..65536. */
  maxMemoryPages: number;
  /** Deepest guest call stack, in frames. */
  maxCallDepth: number;
  /** How fuel is charged. Default "block". */
  meter?: MeterMode;
  /**
   * Where the fuel, depth and trap counters live. "defined" (default): in the
   * module, exported as FUEL_EXPORT, DEPTH_EXPORT and TRAP_EXPORT; the module
   * may import functions only. "imported": imported from {@link COUNTERS_MODULE}
   * (fields "fuel" i64, "depth" i32, "trap" i32, all mutable), so the modules of
   * one component share one budget; the module may then import memories, tables
   * and globals too (they come from sibling modules), every defined global
   * shifts by three indices, and every defined memory is exported (as
   * {@link MEMORY_EXPORT_PREFIX} + its index) so it can be snapshotted.
   */
  counters?: "defined" | "imported";
  /** Fuel available to the module's start function, before any invocation sets its own. Default {@link INIT_FUEL_DEFAULT}. */
  initFuel?: bigint;
}

/** What {@link instrumentModule} returns. */
export interface InstrumentedModule {
  /** The module's function imports, in order, with signatures (it may import nothing else). */
  imports: FuncImport[];
  /** The signatures of the module's function exports, by export name. */
  exportSigs: Map<string, FuncSig>;
  /** The rewritten core module. */
  bytes: Uint8Array<ArrayBuffer>;
  /** Export names of the mutable globals a snapshot must restore (the injected ones excluded). */
  snapshotGlobals: string[];
  /**
   * True when the module exports {@link START_EXPORT}: `(fuel i64, …the
   * values of snapshotGlobals in order) -> ()`, which sets the fuel, zeroes
   * depth and trap and restores those globals in one call. False with shared
   * counters, more than {@link MAX_START_GLOBALS} such globals or one of a
   * reference type: the engine then sets each global itself. With it comes
   * {@link FUEL_LEFT_EXPORT}, `() -> i64`, which returns the fuel counter.
   */
  startExport: boolean;
  /** True when code may change a table (table.set/grow/fill/copy/init): such modules are re-instantiated instead of restored. */
  mutatesTables: boolean;
  /** True when code may drop a segment (data.drop, elem.drop): such modules need a new instance after a run, as a restore does not undo a drop. */
  dropsSegments: boolean;
  /** Entries of the module's tables, their initial sizes together: what each new instance makes. */
  tableEntries: number;
  /** Data segments, active and passive: what each new instance copies or keeps. */
  dataSegments: number;
  /** Count of defined functions rewritten. */
  functions: number;
  /** Count of original instructions seen. */
  instructions: number;
}

/**
 * Rewrites a core module so the runtime can enforce its limits:
 * - fuel: a mutable i64 global counts down by each basic block's cost, the
 *   sum of its instructions' weights in the cost model (COST_MODEL of the
 *   contract); loop heads and function entries check it and trap when it is
 *   negative. Each function keeps the counter in a local and writes it back
 *   around calls and exits, so V8 holds it in a register in hot loops. An
 *   instruction whose work grows with an operand (memory.fill, memory.copy,
 *   memory.init, table.fill, table.copy, table.init, table.grow, memory.grow)
 *   is also charged its weight per byte, element or page of that operand,
 *   before it runs: a budget must bound it too.
 * - call depth: each function entry increments a counter and traps past the
 *   limit, which makes stack exhaustion deterministic.
 * - memory: every linear memory gets a maximum of `maxMemoryPages`; a failed
 *   `memory.grow` is recorded so that a trap after it is blamed on memory.
 * - shape: the module is first held to MODULE_SHAPE_CAPS (check-module-shape.ts),
 *   and every table gets a maximum within the memory cap's table budget
 *   (cap-tables.ts), so `table.grow` past it returns -1.
 * - snapshot: mutable globals (and, with shared counters, defined memories) are exported so an
 *   instance can be reset.
 * No index of the original module shifts with defined counters: only globals,
 * exports and locals are appended. The passes, each in its own file:
 * check-module-shape.ts (caps), scan-module.ts (types, imports, functions,
 * globals, exports), meter-function.ts with injected-code.ts (each body),
 * shift-indices.ts (shared counters), assemble-module.ts (sections out).
 */
export function instrumentModule(input: Uint8Array, options: InstrumentOptions): InstrumentedModule {
  const meter = options.meter ?? "block";
  const maxPages = options.maxMemoryPages;
  if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > MAX_PAGES_32) {
    throw new ExtensionError(
      "invalid_argument",
      `maxMemoryPages is ${maxPages}, the bounds are 1..65536`,
      "invalid_limits",
    );
  }
  const caps = shapeCapsFor(maxPages);
  const { tableEntries, dataSegments } = checkModuleShape(input, caps);
  const sections = readCoreSections(input);
  const sharedCounters = options.counters === "imported";
  const scan = scanModule(input, sections, sharedCounters);
  for (const name of [FUEL_EXPORT, DEPTH_EXPORT, TRAP_EXPORT, START_EXPORT, FUEL_LEFT_EXPORT]) {
    if (scan.exportNames.has(name)) {
      throw new ExtensionError(
        "invalid_argument",
        `the module already exports ${name}, a name reserved by the runtime`,
        "invalid_module",
      );
    }
  }
  const counters = layoutCounters(scan, sharedCounters);
  const start = planStartFunction(scan, sharedCounters);
  // Defined counters sit after the module's own globals (and the start function after its functions):
  // only a module valid as written keeps its code off them.
  if (!sharedCounters) checkInputValidates(input);
  const stats: MeterStats = { functions: 0, instructions: 0, mutatesTables: false, dropsSegments: false };
  const bytes = assembleModule(
    {
      input,
      sections,
      scan,
      sharedCounters,
      initFuel: options.initFuel ?? INIT_FUEL_DEFAULT,
      start,
      plan: {
        meter,
        counters,
        maxCallDepth: options.maxCallDepth,
        maxPages,
        tableBudget: caps.tableEntries,
        importedFuncs: scan.imports.length,
      },
    },
    stats,
  );
  if (stats.functions !== scan.funcTypes.length) throw malformed("function section without code section", 8);
  return {
    imports: scan.imports,
    exportSigs: scan.exportSigs,
    bytes,
    snapshotGlobals: scan.mutableDefinedGlobals.map((g) => `${GLOBAL_EXPORT_PREFIX}${counters.mapGlobal(g)}`),
    startExport: start !== undefined,
    mutatesTables: stats.mutatesTables,
    dropsSegments: stats.dropsSegments,
    tableEntries,
    dataSegments,
    functions: stats.functions,
    instructions: stats.instructions,
  };
}
