/**
 * Every limit of the guest contract, its default and its bounds. CONTRACT.md
 * documents the same table, and a test keeps the two equal.
 */

/** The per-extension limits of spec 479 §3.1 (`ExtensionDefinition.limits`). */
export interface ExtensionLimits {
  /** CPU budget in milliseconds, turned into fuel by {@link FUEL_PER_CPU_MILLI}. */
  cpuMillis: number;
  /** Linear memory cap in MiB, for every memory of the module. */
  memoryMb: number;
  /** Wall-clock limit in milliseconds, host-call time included. */
  timeoutMs: number;
}

/** The runtime-wide size limits, the same for every extension. */
export interface SizeLimits {
  /** Largest module (component) accepted, in bytes. */
  moduleBytes: number;
  /** Largest `input_json`, in bytes (UTF-8). */
  inputBytes: number;
  /** Largest output (ok or business-error payload), in bytes (UTF-8). */
  outputBytes: number;
  /** Log volume kept per invocation, in bytes; the rest is cut with a marker. */
  logBytes: number;
  /** Log lines kept per invocation; the rest is cut with a marker. */
  logLines: number;
  /** Deepest guest call stack, in frames. */
  callDepth: number;
}

/**
 * Fuel per CPU millisecond. One unit of fuel is one plain WebAssembly
 * instruction; instructions that cost more carry a weight (COST_MODEL,
 * cost-model.ts). Calibrated with `npm run calibrate:cost` on the reference
 * 2-core machine (Node 20): with it and the weights, every guest of the
 * calibration corpus that runs until its fuel is gone uses at most its
 * `cpu_millis` of CPU time (about 0.6× for the most expensive classes),
 * inline and in the worker pool. CONTRACT.md states the guarantee and its limits.
 */
export const FUEL_PER_CPU_MILLI = 6_000_000;

/**
 * Memory an invocation starts from without a charge. Every invocation starts
 * from a copy of the module's memory as it was after initialisation (a
 * restored snapshot); past these first bytes, the copy costs one unit of fuel
 * per byte, as a `memory.copy` of that length would: a guest that keeps a
 * large memory pays for its reset, deterministically (by size, not by time).
 */
export const RESTORE_FREE_BYTES = 1024 * 1024;

/** The fuel an invocation is charged for starting from a memory of `bytes` bytes: see {@link RESTORE_FREE_BYTES}. */
export function restoreFuel(bytes: number): number {
  return Math.max(0, bytes - RESTORE_FREE_BYTES);
}

/**
 * Fuel charged per byte the host reads from a guest's memory or writes into
 * it for a host call: the strings it hands the host (a log line's level and
 * message, a host call's service, method and request) and the host call's
 * answer. 40 units of fuel are about 6.7 ns of budget at
 * {@link FUEL_PER_CPU_MILLI}, set above the host's own work per byte (decoding
 * or encoding UTF-8, copying). Deterministic: by length, not time.
 */
export const FUEL_PER_HOST_BYTE = 40;

/** Defaults for {@link ExtensionLimits}, used when a manifest or catalog omits a field. */
export const DEFAULT_LIMITS: Readonly<ExtensionLimits> = Object.freeze({
  cpuMillis: 10,
  memoryMb: 16,
  timeoutMs: 100,
});

/** Inclusive bounds for {@link ExtensionLimits}: a value outside is refused with `invalid_argument/invalid_limits`. */
export const LIMIT_BOUNDS: Readonly<Record<keyof ExtensionLimits, { min: number; max: number }>> =
  Object.freeze({
    cpuMillis: { min: 1, max: 10_000 },
    memoryMb: { min: 1, max: 1024 },
    timeoutMs: { min: 1, max: 60_000 },
  });

/** Defaults for {@link SizeLimits}. */
export const DEFAULT_SIZE_LIMITS: Readonly<SizeLimits> = Object.freeze({
  moduleBytes: 16 * 1024 * 1024,
  inputBytes: 256 * 1024,
  outputBytes: 64 * 1024,
  logBytes: 16 * 1024,
  logLines: 100,
  callDepth: 10_000,
});

/** Risk tiers of spec 479 §6.4. */
export const RISK_TIERS = ["low", "medium", "high"] as const;
/** One of {@link RISK_TIERS}. */
export type RiskTier = (typeof RISK_TIERS)[number];

/** Host calls allowed per invocation, by risk tier, when the extension sets no count of its own. */
export const DEFAULT_HOST_CALLS_PER_INVOCATION: Readonly<Record<RiskTier, number>> = Object.freeze({
  low: 0,
  medium: 1,
  high: 8,
});

/** The most host calls any invocation may make, whatever its tier. */
export const MAX_HOST_CALLS_PER_INVOCATION = 64;

/**
 * Caps on the strings a guest hands the host, checked on their length before
 * a byte is decoded: a log level, a host call's service and method names, and
 * its request (the same as the input limit). Over a cap the invocation ends
 * with `resource_exhausted / host_string_size`.
 */
export const HOST_STRING_CAPS = Object.freeze({
  /** A log level (`debug`, `info`, `warn`, `error` fit). */
  levelBytes: 16,
  /** A host call's service or method name. */
  nameBytes: 256,
  /** A host call's request JSON. */
  requestBytes: 256 * 1024,
});

/**
 * Caps on a module's shape, checked in one linear pass over its bytes before
 * it is instrumented or compiled (each core module of a component on its
 * own). Each count is read from its section's header and refused before its
 * entries are decoded. Over a cap the module is refused at load with
 * `invalid_argument / module_too_complex`, whose details name the cap.
 */
export const MODULE_SHAPE_CAPS = Object.freeze({
  /** Function types. */
  types: 10_000,
  /** Imports (functions, and with a linked component's sibling modules, tables, memories and globals). */
  imports: 10_000,
  /** Functions, imported and defined. */
  functions: 50_000,
  /** Tables, imported and defined. */
  tables: 16,
  /** Table entries of all the module's tables together, whatever `memory_mb` (see {@link tableEntryBudget}). */
  tableEntries: 10_000_000,
  /** Globals, imported and defined. */
  globals: 10_000,
  /** Exports. */
  exports: 10_000,
  /** Element segments. */
  elemSegments: 10_000,
  /** Data segments. */
  dataSegments: 100_000,
  /** Bytes of one function body. */
  bodyBytes: 1024 * 1024,
  /** Locals of one function, parameters not counted. */
  localsPerFunction: 10_000,
  /** Nesting depth of blocks, loops and ifs in one function. */
  blockDepth: 2_000,
});

/**
 * Core modules of a composed component (a TypeScript hook has 13): each gets
 * its own memory cap and table budget, so their count is capped too. Over it:
 * `invalid_argument / module_too_complex`, cap `modules`.
 */
export const MAX_LINKED_MODULES = 32;

/** One of {@link MODULE_SHAPE_CAPS}. */
export type ModuleShapeCap = keyof typeof MODULE_SHAPE_CAPS;

/**
 * What one table entry costs the runtime, in bytes, counted against
 * `memory_mb`: V8 keeps a funcref table as an array of references plus a
 * dispatch table, about 28-30 bytes per entry (10 tables of 1M entries add
 * 281 MB of RSS per instance: `npm run measure:tables --workspace
 * @ameide-ext/bench`); rounded up.
 */
export const TABLE_ENTRY_BYTES = 32;

/**
 * Table entries a module may have, all its tables together, initial sizes
 * and maximums alike: what `memory_mb` pays for at {@link TABLE_ENTRY_BYTES}
 * each (16 MiB: 524,288 entries), and never more than
 * `MODULE_SHAPE_CAPS.tableEntries`. A module's tables may take as much memory
 * again as its linear memory.
 */
export function tableEntryBudget(memoryMb: number): number {
  return Math.min(MODULE_SHAPE_CAPS.tableEntries, Math.floor((memoryMb * 1024 * 1024) / TABLE_ENTRY_BYTES));
}

/** The three kinds of hook of spec 479 §3.1. */
export const EXTENSION_KINDS = ["process_hook", "domain_hook", "agent_tool"] as const;
/** One of {@link EXTENSION_KINDS}. */
export type ExtensionKind = (typeof EXTENSION_KINDS)[number];

/** The ABI name of spec 479 §3.1; the WIT world `ameide:extension/extension@1.0.0` defines it. */
export const ABI = "json_in_json_out_v1";

/** Log levels a guest may use. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
