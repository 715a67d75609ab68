import { COST_MODEL, ExtensionError, FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import {
  type ByteReader,
  type ByteWriter,
  createByteReader,
  createByteWriter,
  malformed,
} from "./byte-reader.js";
import { capTableSection } from "./cap-tables.js";
import { checkModuleShape, shapeCapsFor } from "./check-module-shape.js";
import { costPerUnit, staticCost, uniformCostPerUnit, uniformStaticCost } from "./instruction-cost.js";
import { Flow, readInstruction, skipValType } from "./read-instruction.js";

/** What a grow may reach: `size`, the instruction pushing the current size; `max`, the most it can be. */
interface Ceiling {
  size: readonly number[];
  max: number;
}

/**
 * For `table.grow` (0xFC 15, its table index after): the table's size
 * (`table.size` of the same table) and the module's table budget, which no
 * table's maximum passes (cap-tables.ts). Undefined for other instructions.
 */
function tableGrowCeiling(raw: Uint8Array, budget: number): Ceiling | undefined {
  if (raw[0] !== 0xfc || raw[1] !== 15) return undefined;
  return { size: [0xfc, 16, ...raw.subarray(2)], max: budget };
}

/** Export name of the injected fuel counter (mutable i64; counts down, below 0 means exhausted). */
export const FUEL_EXPORT = "__ameide_fuel";
/** Export name of the injected call-depth counter (mutable i32). */
export const DEPTH_EXPORT = "__ameide_depth";
/** Export name of the injected trap-reason cell (mutable i32, see {@link TrapReason}). */
export const TRAP_EXPORT = "__ameide_trap";
/**
 * Fuel for a module's start and initialize functions: 100 ms of CPU by the
 * cost model (600 million at FUEL_PER_CPU_MILLI = 6 million), well under a
 * second. It was 100 million plain instructions before the cost model, which
 * start code of calls or indirect calls used up in tens of milliseconds (and
 * memory.grow loops in seconds): such code still fits, and nothing runs longer.
 */
export const INIT_FUEL_DEFAULT = 100n * BigInt(FUEL_PER_CPU_MILLI);
/** The import module of the shared counters when `counters` is "imported". */
export const COUNTERS_MODULE = "__ameide";
/** Prefix of the exports added for each mutable global, so a snapshot can restore it. */
export const GLOBAL_EXPORT_PREFIX = "__ameide_g";
/**
 * Prefix of the exports added, with shared counters, for each memory a module
 * defines, so that a linked instance snapshots it even when the module keeps
 * it to itself.
 */
export const MEMORY_EXPORT_PREFIX = "__ameide_m";

/** Why the injected code trapped, as written to the trap-reason cell before `unreachable`. */
export const TrapReason = {
  None: 0,
  Fuel: 1,
  Stack: 2,
  /** Not a trap by itself: a `memory.grow` failed at the cap. A trap that follows is blamed on memory. */
  MemoryGrowFailed: 3,
} as const;

/** How fuel is charged. */
export type MeterMode =
  /** Charge each basic block its cost (its instructions' weights) on entry to the block (the product). */
  | "block"
  /** Charge each instruction its weight before it runs (exact; slow; for tests that check the block mode). */
  | "exact"
  /** Per block, 1 per instruction and bulk ops 1 per unit: the metering before the cost model, a baseline for benchmarks. */
  | "uniform"
  /** No fuel at all (a baseline for benchmarks). */
  | "none";

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

/** A function signature, as value-type letters: "i32", "i64", "f32", "f64", "v128", "ref". */
export interface FuncSig {
  params: string[];
  results: string[];
}

/** A function import of the module, with its signature. */
export interface FuncImport {
  module: string;
  field: string;
  sig: FuncSig;
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

const SECTION_ORDER: Record<number, number> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  13: 6,
  6: 7,
  7: 8,
  8: 9,
  9: 10,
  12: 11,
  10: 12,
  11: 13,
};
const IMPORT_SECTION = 2;
const GLOBAL_SECTION = 6;
const EXPORT_SECTION = 7;
const ELEMENT_SECTION = 9;
const DATA_SECTION = 11;
const MAX_PAGES_32 = 65536;

interface Section {
  id: number;
  start: number;
  end: number;
}

/** The preamble of a core module: magic and version 1. */
const CORE_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Tells whether `bytes` begins with `preamble`. */
export function hasPreamble(bytes: Uint8Array, preamble: readonly number[]): boolean {
  return bytes.length >= preamble.length && preamble.every((b, i) => bytes[i] === b);
}

/** Tells whether `bytes` begins like a core module (magic + version 1). */
export function isCoreModule(bytes: Uint8Array): boolean {
  return hasPreamble(bytes, CORE_PREAMBLE);
}

function readSections(bytes: Uint8Array): Section[] {
  if (!isCoreModule(bytes)) throw malformed("not a core module (bad magic or version)", 0);
  const r = createByteReader(bytes, 8);
  const sections: Section[] = [];
  while (!r.eof()) {
    const id = r.u8();
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    sections.push({ id, start, end: start + size });
  }
  return sections;
}

function readName(r: ByteReader): string {
  const n = r.u32();
  const start = r.pos;
  r.skip(n);
  return new TextDecoder().decode(r.bytes.subarray(start, start + n));
}

/** Skips a constant expression (global initialisers, segment offsets). */
function skipConstExpr(r: ByteReader): void {
  for (;;) {
    const { flow } = readInstruction(r);
    if (flow === Flow.End) return;
  }
}

const V128 = 0x7b;

/** A mutable v128 global: JavaScript can neither read nor write its value, so no snapshot could reset it. */
function mutableV128Global(): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    "a mutable v128 global is not supported: its value cannot be snapshotted and restored between invocations",
    "unsupported_feature",
    { feature: "mutable v128 global" },
  );
}

function skipLimits(r: ByteReader): void {
  const flags = r.u8();
  if (flags & 0x04) {
    throw new ExtensionError("invalid_argument", "64-bit memory is not supported", "unsupported_feature", {
      feature: "memory64",
    });
  }
  r.u32();
  if (flags & 0x01) r.u32();
}

const VALTYPE_NAMES: Record<number, string> = {
  127: "i32",
  126: "i64",
  125: "f32",
  124: "f64",
  123: "v128",
};

function readValTypeName(r: ByteReader): string {
  const b = r.bytes[r.pos] as number;
  skipValType(r);
  return VALTYPE_NAMES[b] ?? "ref";
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
 * No index of the original module shifts: only globals, exports and locals are appended.
 */
export function instrumentModule(input: Uint8Array, options: InstrumentOptions): InstrumentedModule {
  const meter = options.meter ?? "block";
  const uniform = meter === "uniform";
  const weigh = uniform ? uniformStaticCost : staticCost;
  const perUnitOf = uniform ? uniformCostPerUnit : costPerUnit;
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
  const sections = readSections(input);

  const paramCounts: number[] = [];
  const sigs: FuncSig[] = [];
  const imports: FuncImport[] = [];
  const funcSigIndex: number[] = []; // function index -> type index
  const exportSigs = new Map<string, FuncSig>();
  let importedFuncs = 0;
  let importedGlobals = 0;
  let definedGlobals = 0;
  let importedMemories = 0;
  let definedMemories = 0;
  const sharedCounters = options.counters === "imported";
  const mutableDefinedGlobals: number[] = [];
  const funcTypes: number[] = [];
  const exportNames = new Set<string>();
  const exportDefs: Array<[string, number]> = [];

  for (const s of sections) {
    const r = createByteReader(input, s.start, s.end);
    if (s.id === 1) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const form = r.u8();
        if (form !== 0x60) {
          throw new ExtensionError(
            "invalid_argument",
            `unsupported WebAssembly feature: type form 0x${form.toString(16)} (garbage collection)`,
            "unsupported_feature",
            { feature: "garbage collection" },
          );
        }
        const np = r.u32();
        const params: string[] = [];
        for (let j = 0; j < np; j++) params.push(readValTypeName(r));
        const nr = r.u32();
        const results: string[] = [];
        for (let j = 0; j < nr; j++) results.push(readValTypeName(r));
        paramCounts.push(np);
        sigs.push({ params, results });
      }
    } else if (s.id === 2) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const module = readName(r);
        const field = readName(r);
        const kind = r.u8();
        if (kind === 0x00) {
          const t = r.u32();
          const sig = sigs[t];
          if (!sig) throw malformed(`import ${module}.${field} has unknown type ${t}`, r.pos);
          imports.push({ module, field, sig });
          funcSigIndex.push(t);
          importedFuncs++;
        } else if (sharedCounters && kind === 0x01) {
          skipValType(r);
          skipLimits(r);
        } else if (sharedCounters && kind === 0x02) {
          skipLimits(r);
          importedMemories++;
        } else if (sharedCounters && kind === 0x03) {
          skipValType(r);
          r.u8();
          importedGlobals++;
        } else {
          // Globals too: the engine gives a guest host functions only, so an imported global could never link.
          throw new ExtensionError(
            "invalid_argument",
            `import ${module}.${field} is a ${kind === 0x01 ? "table" : kind === 0x02 ? "memory" : kind === 0x03 ? "global" : "tag"}; a guest may import host functions only`,
            "forbidden_import",
            { module, field },
          );
        }
      }
    } else if (s.id === 3) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const t = r.u32();
        funcTypes.push(t);
        funcSigIndex.push(t);
      }
    } else if (s.id === 5) {
      definedMemories = r.u32();
    } else if (s.id === 6) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const type = r.bytes[r.pos];
        skipValType(r);
        const mut = r.u8();
        if (mut === 1 && type === V128) throw mutableV128Global();
        skipConstExpr(r);
        if (mut === 1) mutableDefinedGlobals.push(importedGlobals + definedGlobals);
        definedGlobals++;
      }
    } else if (s.id === 7) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const name = readName(r);
        exportNames.add(name);
        const kind = r.u8();
        const idx = r.u32();
        if (kind === 0x00) exportDefs.push([name, idx]);
      }
    }
  }

  for (const [name, idx] of exportDefs) {
    const t = funcSigIndex[idx];
    const sig = t === undefined ? undefined : sigs[t];
    if (sig) exportSigs.set(name, sig);
  }

  for (const name of [FUEL_EXPORT, DEPTH_EXPORT, TRAP_EXPORT]) {
    if (exportNames.has(name)) {
      throw new ExtensionError(
        "invalid_argument",
        `the module already exports ${name}, a name reserved by the runtime`,
        "invalid_module",
      );
    }
  }

  // Defined counters come after the defined globals; imported ones after the imported globals,
  // which pushes every defined global three indices up.
  const fuelGlobal = sharedCounters ? importedGlobals : importedGlobals + definedGlobals;
  const depthGlobal = fuelGlobal + 1;
  const trapGlobal = fuelGlobal + 2;
  const shift = sharedCounters ? 3 : 0;
  const mapGlobal = (g: number) => (g >= importedGlobals ? g + shift : g);
  const snapshotGlobals = mutableDefinedGlobals.map((g) => `${GLOBAL_EXPORT_PREFIX}${mapGlobal(g)}`);

  let mutatesTables = false;
  let dropsSegments = false;
  let functions = 0;
  let instructions = 0;

  const rewriteCode = (s: Section): Uint8Array => {
    const r = createByteReader(input, s.start, s.end);
    const w = createByteWriter(s.end - s.start + 1024);
    const n = r.u32();
    if (n !== funcTypes.length) throw malformed("function and code section counts differ", s.start);
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const size = r.u32();
      const bodyStart = r.pos;
      const bodyEnd = bodyStart + size;
      r.skip(size);
      const typeIdx = funcTypes[i] as number;
      const params = paramCounts[typeIdx];
      if (params === undefined) throw malformed(`function ${i} has unknown type ${typeIdx}`, bodyStart);
      const body = rewriteBody(createByteReader(input, bodyStart, bodyEnd), params);
      w.sized(body);
      functions++;
    }
    return w.finish();
  };

  const rewriteBody = (r: ByteReader, params: number): Uint8Array => {
    const out = createByteWriter(r.bytes.length > 4096 ? 4096 : 256);
    const groups = r.u32();
    let locals = 0;
    const localsStart = r.pos;
    for (let g = 0; g < groups; g++) {
      locals += r.u32();
      skipValType(r);
    }
    if (locals > 50_000) throw malformed("too many locals", localsStart);
    const localsBytes = r.bytes.subarray(localsStart, r.pos);
    out.u32(groups + 3);
    out.bytes(localsBytes);
    out.u32(1);
    out.u8(0x7e); // $f: i64, the fuel counter held in a local
    out.u32(1);
    out.u8(0x7f); // $d: i32, this frame's call depth
    out.u32(1);
    out.u8(0x7f); // $t: i32, scratch for memory.grow's result and bulk instructions' lengths
    const fLocal = params + locals;
    const dLocal = fLocal + 1;
    const tLocal = fLocal + 2;

    // Injected snippets.
    const flush = (x: ByteWriter) => {
      if (meter === "none") return;
      x.u8(0x20);
      x.u32(fLocal);
      x.u8(0x24);
      x.u32(fuelGlobal);
    };
    const reload = (x: ByteWriter) => {
      if (meter !== "none") {
        x.u8(0x23);
        x.u32(fuelGlobal);
        x.u8(0x21);
        x.u32(fLocal);
      }
      x.u8(0x20);
      x.u32(dLocal);
      x.u8(0x24);
      x.u32(depthGlobal);
    };
    const trapWith = (x: ByteWriter, reason: number) => {
      x.u8(0x41);
      x.s32(reason);
      x.u8(0x24);
      x.u32(trapGlobal);
      x.u8(0x00);
    };
    // With the fuel left on the stack: keep it in the local, and trap with Fuel when it is negative.
    const storeAndCheck = (x: ByteWriter) => {
      x.u8(0x22);
      x.u32(fLocal);
      x.u8(0x42);
      x.s64(0n);
      x.u8(0x53); // i64.lt_s
      x.u8(0x04);
      x.u8(0x40);
      flush(x);
      trapWith(x, TrapReason.Fuel);
      x.u8(0x0b);
    };
    const charge = (x: ByteWriter, cost: number, check: boolean) => {
      if (meter === "none") return;
      if (cost === 0 && !check) return;
      x.u8(0x20);
      x.u32(fLocal);
      x.u8(0x42);
      x.s64(BigInt(cost));
      x.u8(0x7d); // i64.sub
      if (!check) {
        x.u8(0x21);
        x.u32(fLocal);
        return;
      }
      storeAndCheck(x);
    };
    // An instruction whose work grows with its length, the operand on top of the stack (bytes,
    // elements, pages): charge `perUnit` per unit before it runs, so a budget bounds it like a loop.
    // `ceiling`, for a grow: the units are charged only when the grow can succeed (units ≤ the
    // ceiling less the current size); a grow past it does no work and returns -1.
    const chargeDynamic = (x: ByteWriter, perUnit: number, ceiling?: Ceiling) => {
      if (meter === "none") return;
      x.u8(0x21);
      x.u32(tLocal); // the length
      x.u8(0x20);
      x.u32(fLocal);
      if (ceiling) unitsIfFits(x, ceiling);
      else {
        x.u8(0x20);
        x.u32(tLocal);
      }
      x.u8(0xad); // i64.extend_i32_u
      if (perUnit !== 1) {
        x.u8(0x42);
        x.s64(BigInt(perUnit));
        x.u8(0x7e); // i64.mul
      }
      x.u8(0x7d); // i64.sub
      storeAndCheck(x);
      x.u8(0x20);
      x.u32(tLocal);
    };
    // memory.grow (`raw`, its delta on top of the stack): its pages requested and the pages the
    // memory has (memory.size of the same memory), each times its weight, and a fixed weight more
    // at 64 MiB and over, before it runs.
    const chargeGrow = (x: ByteWriter, raw: Uint8Array) => {
      if (meter === "none") return;
      x.u8(0x21);
      x.u32(tLocal); // the delta
      x.u8(0x20);
      x.u32(fLocal);
      const size = [0x3f, ...raw.subarray(1)]; // memory.size of the same memory
      for (const [pages, weight] of [
        [undefined, COST_MODEL.memoryGrowPerPage],
        [size, COST_MODEL.memoryGrowPerMemoryPage],
      ] as const) {
        if (pages === undefined) unitsIfFits(x, { size, max: maxPages });
        else x.bytes(Uint8Array.from(pages));
        x.u8(0xad); // i64.extend_i32_u
        x.u8(0x42);
        x.s64(BigInt(weight));
        x.u8(0x7e); // i64.mul
        x.u8(0x7d); // i64.sub
      }
      // Once more at 64 MiB and over: (memory.size >= 1024) × memoryGrowAt64MiB.
      x.bytes(Uint8Array.from([0x3f, ...raw.subarray(1)]));
      x.u8(0x41);
      x.s32(1024);
      x.u8(0x4f); // i32.ge_u
      x.u8(0xad); // i64.extend_i32_u
      x.u8(0x42);
      x.s64(BigInt(COST_MODEL.memoryGrowAt64MiB));
      x.u8(0x7e); // i64.mul
      x.u8(0x7d); // i64.sub
      storeAndCheck(x);
      x.u8(0x20);
      x.u32(tLocal);
    };
    // Pushes the grow's delta (in $t) when it fits under `ceiling.max` less the current size, else 0.
    const unitsIfFits = (x: ByteWriter, ceiling: Ceiling) => {
      x.u8(0x20);
      x.u32(tLocal);
      x.u8(0x41);
      x.s32(0);
      x.u8(0x20);
      x.u32(tLocal);
      x.u8(0x41);
      x.s32(ceiling.max);
      x.bytes(Uint8Array.from(ceiling.size));
      x.u8(0x6b); // i32.sub
      x.u8(0x4d); // i32.le_u
      x.u8(0x1b); // select
    };
    const prologue = (x: ByteWriter) => {
      x.u8(0x23);
      x.u32(depthGlobal);
      x.u8(0x41);
      x.s32(1);
      x.u8(0x6a); // i32.add
      x.u8(0x22);
      x.u32(dLocal);
      x.u8(0x24);
      x.u32(depthGlobal);
      x.u8(0x20);
      x.u32(dLocal);
      x.u8(0x41);
      x.s32(options.maxCallDepth);
      x.u8(0x4b); // i32.gt_u
      x.u8(0x04);
      x.u8(0x40);
      trapWith(x, TrapReason.Stack);
      x.u8(0x0b);
      if (meter !== "none") {
        x.u8(0x23);
        x.u32(fuelGlobal);
        x.u8(0x21);
        x.u32(fLocal);
      }
    };

    // Segment state: a segment is a straight-line run charged once, on entry.
    type SegKind = "entry" | "loop" | "normal" | "dead";
    let kind = "entry" as SegKind;
    let cost = 0;
    let seg = createByteWriter(256);
    const endSegment = (next: SegKind) => {
      if (kind === "entry") {
        prologue(out);
        charge(out, cost, true);
      } else if (kind === "loop") {
        charge(out, cost, true);
      } else if (kind === "normal") {
        charge(out, cost, false);
      }
      out.bytes(seg.finish());
      seg = createByteWriter(256);
      cost = 0;
      kind = next;
    };

    // Control stack: true for a block or if (its end is a branch target), false for a loop.
    const ctrl: boolean[] = [];
    for (;;) {
      const at = r.pos;
      const ins = readInstruction(r);
      const raw = r.bytes.subarray(at, r.pos);
      const op = raw[0] as number;
      instructions++;
      const structural = ins.flow === Flow.End || ins.flow === Flow.Else;
      if (meter === "exact" && !structural && kind !== "dead") {
        // Charge every instruction on its own: exact counts, for tests.
        charge(seg, weigh(raw, importedFuncs), false);
      } else if (!structural && kind !== "dead") {
        cost += weigh(raw, importedFuncs);
      }
      if (op === 0x26 || (op === 0xfc && [12, 14, 15, 17].includes(raw[1] as number))) mutatesTables = true;
      if (op === 0xfc && (raw[1] === 9 || raw[1] === 13)) dropsSegments = true;
      const depth = ctrl.length;
      switch (ins.flow) {
        case Flow.Plain:
          if (op === 0xfc) {
            const perUnit = perUnitOf(raw);
            if (perUnit !== undefined) chargeDynamic(seg, perUnit, tableGrowCeiling(raw, caps.tableEntries));
          }
          if (shift !== 0 && (op === 0x23 || op === 0x24)) {
            seg.u8(op);
            seg.u32(mapGlobal(createByteReader(raw, 1).u32()));
          } else {
            seg.bytes(raw);
          }
          break;
        case Flow.Call:
          flush(seg);
          seg.bytes(raw);
          reload(seg);
          break;
        case Flow.ReturnCall:
          flush(seg);
          seg.u8(0x20);
          seg.u32(dLocal);
          seg.u8(0x41);
          seg.s32(1);
          seg.u8(0x6b); // i32.sub
          seg.u8(0x24);
          seg.u32(depthGlobal);
          seg.bytes(raw);
          endSegment("dead");
          break;
        case Flow.MemoryGrow:
          if (!uniform) chargeGrow(seg, raw);
          seg.bytes(raw);
          seg.u8(0x22);
          seg.u32(tLocal);
          seg.u8(0x41);
          seg.s32(-1);
          seg.u8(0x46); // i32.eq
          seg.u8(0x04);
          seg.u8(0x40);
          seg.u8(0x41);
          seg.s32(TrapReason.MemoryGrowFailed);
          seg.u8(0x24);
          seg.u32(trapGlobal);
          seg.u8(0x0b);
          seg.u8(0x20);
          seg.u32(tLocal);
          break;
        case Flow.Block:
          seg.bytes(raw);
          ctrl.push(true);
          break;
        case Flow.Loop:
          seg.bytes(raw);
          ctrl.push(false);
          endSegment("loop");
          break;
        case Flow.If:
          seg.bytes(raw);
          ctrl.push(true);
          endSegment("normal");
          break;
        case Flow.Else:
          seg.bytes(raw);
          endSegment("normal");
          break;
        case Flow.End: {
          if (depth === 0) {
            flush(seg);
            seg.bytes(raw);
            endSegment("dead");
            if (!r.eof()) throw malformed("code after the function's end", r.pos);
            return out.finish();
          }
          const target = ctrl.pop() as boolean;
          seg.bytes(raw);
          // A loop's end is no branch target: the straight line goes on.
          if (target) endSegment("normal");
          break;
        }
        case Flow.Br:
          if (ins.labels?.[0] === depth) flush(seg);
          seg.bytes(raw);
          endSegment("dead");
          break;
        case Flow.BrIf:
          if (ins.labels?.[0] === depth) flush(seg);
          seg.bytes(raw);
          endSegment("normal");
          break;
        case Flow.BrTable:
          if (ins.labels?.includes(depth)) flush(seg);
          seg.bytes(raw);
          endSegment("dead");
          break;
        case Flow.Return:
        case Flow.Unreachable:
          flush(seg);
          seg.bytes(raw);
          endSegment("dead");
          break;
      }
      if (r.eof()) throw malformed("function body without end", r.pos);
    }
  };

  const rewriteMemory = (s: Section): Uint8Array => {
    const r = createByteReader(input, s.start, s.end);
    const w = createByteWriter();
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const at = r.pos;
      const flags = r.u8();
      if (flags & 0x02)
        throw new ExtensionError(
          "invalid_argument",
          "shared memory is not supported",
          "unsupported_feature",
          { feature: "threads" },
        );
      if (flags & 0x04)
        throw new ExtensionError(
          "invalid_argument",
          "64-bit memory is not supported",
          "unsupported_feature",
          { feature: "memory64" },
        );
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
  };

  // A vector section's entry count and the bytes of its entries, or none when the section is absent.
  const readVector = (s: Section | undefined): { count: number; rest: Uint8Array } => {
    if (!s) return { count: 0, rest: new Uint8Array(0) };
    const r = createByteReader(input, s.start, s.end);
    const count = r.u32();
    return { count, rest: input.subarray(r.pos, s.end) };
  };

  // Copies a constant expression, moving its global.get indices with the shift.
  const copyConstExpr = (r: ByteReader, w: ByteWriter) => {
    for (;;) {
      const at = r.pos;
      const { flow } = readInstruction(r);
      const raw = input.subarray(at, r.pos);
      if (raw[0] === 0x23) {
        w.u8(0x23);
        w.u32(mapGlobal(createByteReader(raw, 1).u32()));
      } else {
        w.bytes(raw);
      }
      if (flow === Flow.End) return;
    }
  };

  const shiftGlobals = (s: Section): Uint8Array => {
    const r = createByteReader(input, s.start, s.end);
    const w = createByteWriter(s.end - s.start + 16);
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const at = r.pos;
      skipValType(r);
      r.u8();
      w.bytes(input.subarray(at, r.pos));
      copyConstExpr(r, w);
    }
    return w.finish();
  };

  const appendCounterImports = (s: Section | undefined): Uint8Array => {
    const w = createByteWriter();
    const { count, rest } = readVector(s);
    w.u32(count + 3);
    w.bytes(rest);
    const enc = new TextEncoder();
    for (const [field, type] of [
      ["fuel", 0x7e],
      ["depth", 0x7f],
      ["trap", 0x7f],
    ] as const) {
      w.sized(enc.encode(COUNTERS_MODULE));
      w.sized(enc.encode(field));
      w.u8(0x03);
      w.u8(type);
      w.u8(0x01);
    }
    return w.finish();
  };

  const shiftExports = (s: Section | undefined): Uint8Array => {
    const w = createByteWriter();
    const entries: Uint8Array[] = [];
    let count = 0;
    if (s) {
      const r = createByteReader(input, s.start, s.end);
      count = r.u32();
      for (let i = 0; i < count; i++) {
        const at = r.pos;
        readName(r);
        const kind = r.u8();
        const nameBytes = input.subarray(at, r.pos - 1);
        const idx = r.u32();
        const e = createByteWriter(nameBytes.length + 6);
        e.bytes(nameBytes);
        e.u8(kind);
        e.u32(kind === 0x03 ? mapGlobal(idx) : idx);
        entries.push(e.finish());
      }
    }
    const enc = new TextEncoder();
    w.u32(count + mutableDefinedGlobals.length + definedMemories);
    for (const e of entries) w.bytes(e);
    for (const g of mutableDefinedGlobals) {
      w.sized(enc.encode(`${GLOBAL_EXPORT_PREFIX}${mapGlobal(g)}`));
      w.u8(0x03);
      w.u32(mapGlobal(g));
    }
    // A memory may be exported under several names: this adds one, whether or not the module exports it already.
    for (let m = importedMemories; m < importedMemories + definedMemories; m++) {
      w.sized(enc.encode(`${MEMORY_EXPORT_PREFIX}${m}`));
      w.u8(0x02);
      w.u32(m);
    }
    return w.finish();
  };

  const copyFuncIndices = (r: ByteReader, w: ByteWriter) => {
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) w.u32(r.u32());
  };
  const copyExprs = (r: ByteReader, w: ByteWriter) => {
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) copyConstExpr(r, w);
  };

  const shiftElements = (s: Section): Uint8Array => {
    const r = createByteReader(input, s.start, s.end);
    const w = createByteWriter(s.end - s.start + 16);
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const flags = r.u32();
      w.u32(flags);
      if (flags > 7) throw malformed(`element segment flags ${flags}`, r.pos);
      const active = (flags & 0x01) === 0;
      const explicitTable = (flags & 0x02) !== 0;
      const usesExprs = (flags & 0x04) !== 0;
      if (active && explicitTable) w.u32(r.u32());
      if (active) copyConstExpr(r, w);
      if (!active || explicitTable) {
        // elemkind (a byte) for function indices, a reference type for expressions
        const at = r.pos;
        if (usesExprs) skipValType(r);
        else r.u8();
        w.bytes(input.subarray(at, r.pos));
      }
      if (usesExprs) copyExprs(r, w);
      else copyFuncIndices(r, w);
    }
    return w.finish();
  };

  const shiftData = (s: Section): Uint8Array => {
    const r = createByteReader(input, s.start, s.end);
    const w = createByteWriter(s.end - s.start + 16);
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const flags = r.u32();
      w.u32(flags);
      if (flags === 2) w.u32(r.u32());
      if (flags === 0 || flags === 2) copyConstExpr(r, w);
      else if (flags !== 1) throw malformed(`data segment flags ${flags}`, r.pos);
      const len = r.u32();
      const at = r.pos;
      r.skip(len);
      w.sized(input.subarray(at, at + len));
    }
    return w.finish();
  };

  const appendGlobals = (s: Section | undefined): Uint8Array => {
    const w = createByteWriter();
    const { count, rest } = readVector(s);
    w.u32(count + 3);
    w.bytes(rest);
    w.u8(0x7e);
    w.u8(0x01);
    w.u8(0x42);
    w.s64(options.initFuel ?? INIT_FUEL_DEFAULT);
    w.u8(0x0b);
    for (let k = 0; k < 2; k++) {
      w.u8(0x7f);
      w.u8(0x01);
      w.u8(0x41);
      w.s32(0);
      w.u8(0x0b);
    }
    return w.finish();
  };

  const appendExports = (s: Section | undefined): Uint8Array => {
    const w = createByteWriter();
    const { count, rest } = readVector(s);
    const added: Array<[string, number]> = [
      [FUEL_EXPORT, fuelGlobal],
      [DEPTH_EXPORT, depthGlobal],
      [TRAP_EXPORT, trapGlobal],
      ...mutableDefinedGlobals.map((g): [string, number] => [`${GLOBAL_EXPORT_PREFIX}${g}`, g]),
    ];
    w.u32(count + added.length);
    w.bytes(rest);
    const enc = new TextEncoder();
    for (const [name, idx] of added) {
      w.sized(enc.encode(name));
      w.u8(0x03);
      w.u32(idx);
    }
    return w.finish();
  };

  // Reassemble, in canonical section order, creating the global and export sections if absent.
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
  const flushMissing = (beforeRank: number) => {
    if (!wroteImports && (SECTION_ORDER[IMPORT_SECTION] as number) < beforeRank) {
      emit(IMPORT_SECTION, appendCounterImports(undefined));
      wroteImports = true;
    }
    if (!wroteGlobals && (SECTION_ORDER[GLOBAL_SECTION] as number) < beforeRank) {
      emit(GLOBAL_SECTION, appendGlobals(undefined));
      wroteGlobals = true;
    }
    if (!wroteExports && (SECTION_ORDER[EXPORT_SECTION] as number) < beforeRank) {
      emit(EXPORT_SECTION, sharedCounters ? shiftExports(undefined) : appendExports(undefined));
      wroteExports = true;
    }
  };
  for (const s of sections) {
    const rank = SECTION_ORDER[s.id];
    if (rank !== undefined) flushMissing(rank);
    switch (s.id) {
      case IMPORT_SECTION:
        emit(IMPORT_SECTION, sharedCounters ? appendCounterImports(s) : input.subarray(s.start, s.end));
        wroteImports = true;
        break;
      case 4:
        emit(4, capTableSection(input.subarray(s.start, s.end), caps.tableEntries));
        break;
      case 5:
        emit(5, rewriteMemory(s));
        break;
      case GLOBAL_SECTION:
        emit(GLOBAL_SECTION, sharedCounters ? shiftGlobals(s) : appendGlobals(s));
        wroteGlobals = true;
        break;
      case EXPORT_SECTION:
        emit(EXPORT_SECTION, sharedCounters ? shiftExports(s) : appendExports(s));
        wroteExports = true;
        break;
      case ELEMENT_SECTION:
        emit(ELEMENT_SECTION, sharedCounters ? shiftElements(s) : input.subarray(s.start, s.end));
        break;
      case DATA_SECTION:
        emit(DATA_SECTION, sharedCounters ? shiftData(s) : input.subarray(s.start, s.end));
        break;
      case 10:
        emit(10, rewriteCode(s));
        break;
      default:
        emit(s.id, input.subarray(s.start, s.end));
    }
  }
  flushMissing(Number.POSITIVE_INFINITY);
  if (functions !== funcTypes.length) throw malformed("function section without code section", 8);
  return {
    imports,
    exportSigs,
    bytes: out.finish(),
    snapshotGlobals,
    mutatesTables,
    dropsSegments,
    tableEntries,
    dataSegments,
    functions,
    instructions,
  };
}
