import { ExtensionError } from "@ameide-ext/contract";
import { createByteWriter } from "./byte-writer.js";
import { capTableSection } from "./cap-tables.js";
import { type MeterPlan, type MeterStats, meterCodeSection } from "./meter-function.js";
import type { ModuleScan } from "./scan-module.js";
import {
  appendCounterImports,
  type CounterLayout,
  GLOBAL_EXPORT_PREFIX,
  shiftData,
  shiftElements,
  shiftExports,
  shiftGlobals,
  splitVector,
} from "./shift-indices.js";
import {
  appendEntries,
  injectedBodies,
  injectedExports,
  injectedFunctions,
  injectedTypes,
  type StartPlan,
} from "./start-function.js";
import { malformed, type Section, SectionId, sectionReader } from "./wasm-reader.js";

/** Export name of the injected fuel counter (mutable i64; counts down, below 0 means exhausted). */
export const FUEL_EXPORT = "__ameide_fuel";
/** Export name of the injected call-depth counter (mutable i32). */
export const DEPTH_EXPORT = "__ameide_depth";
/** Export name of the injected trap-reason cell (mutable i32, see TrapReason). */
export const TRAP_EXPORT = "__ameide_trap";

/** The largest memory a 32-bit memory can declare, in 64 KiB pages. */
export const MAX_PAGES_32 = 65536;

/** The rank of each known section in a core module's canonical order (the data count section sits before code). */
const SECTION_ORDER: Record<number, number> = {
  [SectionId.Type]: 1,
  [SectionId.Import]: 2,
  [SectionId.Function]: 3,
  [SectionId.Table]: 4,
  [SectionId.Memory]: 5,
  [SectionId.Tag]: 6,
  [SectionId.Global]: 7,
  [SectionId.Export]: 8,
  [SectionId.Start]: 9,
  [SectionId.Element]: 10,
  [SectionId.DataCount]: 11,
  [SectionId.Code]: 12,
  [SectionId.Data]: 13,
};

/** What {@link assembleModule} writes the module from. */
export interface Assembly {
  input: Uint8Array;
  sections: readonly Section[];
  scan: ModuleScan;
  /** Whether the counters are imported (shared by the modules of a component) or defined here. */
  sharedCounters: boolean;
  /** Fuel the defined counter starts with. */
  initFuel: bigint;
  plan: MeterPlan;
  /** The start and fuel-left functions to append (see start-function.ts), or none. */
  start: StartPlan | undefined;
}

/**
 * Writes the instrumented module: every section in canonical order, the code
 * metered, memories and tables capped, and the counters added (as imports with
 * the indices after them shifted, or as defined globals exported by name),
 * creating the import, global and export sections where the module has none;
 * and the start and fuel-left functions appended (their type, function, code and export
 * entries, creating those sections too where the module has none).
 */
export function assembleModule(a: Assembly, stats: MeterStats): Uint8Array<ArrayBuffer> {
  const { input, sections, scan, sharedCounters, plan } = a;
  const layout = plan.counters;
  const out = createByteWriter(input.length + 4096);
  out.bytes(input.subarray(0, 8));
  const emit = (id: number, payload: Uint8Array) => {
    out.u8(id);
    out.sized(payload);
  };
  // Shared counters: the counters are imports, no global is appended, indices shift.
  // Defined counters: the counters are appended globals, exported by name.
  let wroteImports = !sharedCounters;
  let wroteGlobals = sharedCounters;
  let wroteExports = false;
  const { start } = a;
  // Without a start function, the type, function and code sections stay as they are (or absent).
  let wroteTypes = start === undefined;
  let wroteFunctions = start === undefined;
  let wroteCode = start === undefined;
  const withStart = (payload: Uint8Array, entries: (p: StartPlan) => Uint8Array[]) =>
    start === undefined ? payload : appendEntries(payload, entries(start));
  const startCode = (p: StartPlan) => injectedBodies(p, layout, scan.mutableDefinedGlobals);
  const exportsOf = (s: Section | undefined) =>
    sharedCounters ? shiftExports(input, s, scan, layout) : appendExports(input, s, scan, layout, start);
  const flushMissing = (beforeRank: number) => {
    if (!wroteTypes && (SECTION_ORDER[SectionId.Type] as number) < beforeRank) {
      emit(SectionId.Type, withStart(new Uint8Array(0), injectedTypes));
      wroteTypes = true;
    }
    if (!wroteImports && (SECTION_ORDER[SectionId.Import] as number) < beforeRank) {
      emit(SectionId.Import, appendCounterImports(input, undefined));
      wroteImports = true;
    }
    if (!wroteFunctions && (SECTION_ORDER[SectionId.Function] as number) < beforeRank) {
      emit(SectionId.Function, withStart(new Uint8Array(0), injectedFunctions));
      wroteFunctions = true;
    }
    if (!wroteGlobals && (SECTION_ORDER[SectionId.Global] as number) < beforeRank) {
      emit(SectionId.Global, appendGlobals(input, undefined, a.initFuel));
      wroteGlobals = true;
    }
    if (!wroteExports && (SECTION_ORDER[SectionId.Export] as number) < beforeRank) {
      emit(SectionId.Export, exportsOf(undefined));
      wroteExports = true;
    }
    if (!wroteCode && (SECTION_ORDER[SectionId.Code] as number) < beforeRank) {
      emit(SectionId.Code, withStart(new Uint8Array(0), startCode));
      wroteCode = true;
    }
  };
  for (const s of sections) {
    const rank = SECTION_ORDER[s.id];
    if (rank !== undefined) flushMissing(rank);
    const payload = input.subarray(s.start, s.end);
    switch (s.id) {
      case SectionId.Type:
        emit(s.id, withStart(payload, injectedTypes));
        wroteTypes = true;
        break;
      case SectionId.Function:
        emit(s.id, withStart(payload, injectedFunctions));
        wroteFunctions = true;
        break;
      case SectionId.Import:
        emit(s.id, sharedCounters ? appendCounterImports(input, s) : payload);
        wroteImports = true;
        break;
      case SectionId.Table:
        emit(s.id, capTableSection(payload, plan.tableBudget));
        break;
      case SectionId.Memory:
        emit(s.id, capMemories(input, s, plan.maxPages));
        break;
      case SectionId.Global:
        emit(s.id, sharedCounters ? shiftGlobals(input, s, layout) : appendGlobals(input, s, a.initFuel));
        wroteGlobals = true;
        break;
      case SectionId.Export:
        emit(s.id, exportsOf(s));
        wroteExports = true;
        break;
      case SectionId.Element:
        emit(s.id, sharedCounters ? shiftElements(input, s, layout) : payload);
        break;
      case SectionId.Data:
        emit(s.id, sharedCounters ? shiftData(input, s, layout) : payload);
        break;
      case SectionId.Code:
        emit(s.id, withStart(meterCodeSection(input, s, scan, plan, stats), startCode));
        wroteCode = true;
        break;
      default:
        emit(s.id, payload);
    }
  }
  flushMissing(Number.POSITIVE_INFINITY);
  return out.finish();
}

/**
 * The memory section with every memory's maximum at most `maxPages`; a
 * shared or 64-bit memory is refused (`unsupported_feature`), and one that
 * starts above the cap is `resource_exhausted/memory`.
 */
function capMemories(input: Uint8Array, s: Section, maxPages: number): Uint8Array {
  const r = sectionReader(input, s);
  const w = createByteWriter();
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const flags = r.u8();
    if (flags & 0x02)
      throw new ExtensionError("invalid_argument", "shared memory is not supported", "unsupported_feature", {
        feature: "threads",
      });
    if (flags & 0x04)
      throw new ExtensionError("invalid_argument", "64-bit memory is not supported", "unsupported_feature", {
        feature: "memory64",
      });
    if (flags > 1) throw malformed(`memory limits flags 0x${flags.toString(16)}`, at);
    const min = r.u32();
    const max = flags & 1 ? r.u32() : MAX_PAGES_32;
    if (min > maxPages) {
      throw new ExtensionError(
        "resource_exhausted",
        `memory ${i} starts at ${min} pages (${min * 64} KiB), the cap is ${maxPages} pages (${maxPages * 64} KiB)`,
        "memory",
        { initialPages: min, maxPages },
      );
    }
    w.u8(0x01);
    w.u32(min);
    w.u32(Math.min(max, maxPages));
  }
  return w.finish();
}

/** The global section with the three counters appended: fuel (i64, at `initFuel`), depth and trap (i32, at 0). */
function appendGlobals(input: Uint8Array, s: Section | undefined, initFuel: bigint): Uint8Array {
  const w = createByteWriter();
  const { count, rest } = splitVector(input, s);
  w.u32(count + 3);
  w.bytes(rest);
  w.u8(0x7e);
  w.u8(0x01);
  w.u8(0x42);
  w.s64(initFuel);
  w.u8(0x0b);
  for (let k = 0; k < 2; k++) {
    w.u8(0x7f);
    w.u8(0x01);
    w.u8(0x41);
    w.s32(0);
    w.u8(0x0b);
  }
  return w.finish();
}

/**
 * The export section with the counters exported by name, each mutable defined
 * global for the snapshot, and the start function when there is one.
 */
function appendExports(
  input: Uint8Array,
  s: Section | undefined,
  scan: ModuleScan,
  layout: CounterLayout,
  start: StartPlan | undefined,
): Uint8Array {
  const w = createByteWriter();
  const { count, rest } = splitVector(input, s);
  const added: Array<[string, number]> = [
    [FUEL_EXPORT, layout.fuel],
    [DEPTH_EXPORT, layout.depth],
    [TRAP_EXPORT, layout.trap],
    ...scan.mutableDefinedGlobals.map((g): [string, number] => [`${GLOBAL_EXPORT_PREFIX}${g}`, g]),
  ];
  const funcs = start === undefined ? [] : injectedExports(start);
  w.u32(count + added.length + funcs.length);
  w.bytes(rest);
  const enc = new TextEncoder();
  for (const [name, idx] of added) {
    w.sized(enc.encode(name));
    w.u8(0x03);
    w.u32(idx);
  }
  for (const [name, idx] of funcs) {
    w.sized(enc.encode(name));
    w.u8(0x00);
    w.u32(idx);
  }
  return w.finish();
}
