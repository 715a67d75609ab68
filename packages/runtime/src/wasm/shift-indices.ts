import { type ByteWriter, createByteWriter } from "./byte-writer.js";
import { Flow, readInstruction } from "./read-instruction.js";
import type { ModuleScan } from "./scan-module.js";
import {
  type ByteReader,
  ExternKind,
  malformed,
  readName,
  type Section,
  sectionReader,
  skipValType,
  u32At,
} from "./wasm-reader.js";

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

/** Where the three injected counters sit among the module's globals, and how the module's own globals move. */
export interface CounterLayout {
  /** Global index of the fuel counter (i64); depth and trap follow it. */
  fuel: number;
  /** Global index of the call-depth counter (i32). */
  depth: number;
  /** Global index of the trap-reason cell (i32). */
  trap: number;
  /** How far each defined global moves: 3 with shared counters, else 0. */
  shift: number;
  /** A global's index in the rewritten module. */
  mapGlobal(g: number): number;
}

/**
 * Defined counters come after the defined globals; imported ones after the
 * imported globals, which pushes every defined global three indices up.
 */
export function layoutCounters(scan: ModuleScan, sharedCounters: boolean): CounterLayout {
  const { importedGlobals, definedGlobals } = scan;
  const fuel = sharedCounters ? importedGlobals : importedGlobals + definedGlobals;
  const shift = sharedCounters ? 3 : 0;
  return {
    fuel,
    depth: fuel + 1,
    trap: fuel + 2,
    shift,
    mapGlobal: (g) => (g >= importedGlobals ? g + shift : g),
  };
}

/** A vector section's entry count and the bytes of its entries, or none when the section is absent. */
export function splitVector(input: Uint8Array, s: Section | undefined): { count: number; rest: Uint8Array } {
  if (!s) return { count: 0, rest: new Uint8Array(0) };
  const r = sectionReader(input, s);
  const count = r.u32();
  return { count, rest: input.subarray(r.pos, s.end) };
}

/** Copies a constant expression, moving its global.get indices with the shift. */
function copyConstExpr(r: ByteReader, w: ByteWriter, layout: CounterLayout): void {
  for (;;) {
    const at = r.pos;
    const { flow } = readInstruction(r);
    const raw = r.bytes.subarray(at, r.pos);
    if (raw[0] === 0x23) {
      w.u8(0x23);
      w.u32(layout.mapGlobal(u32At(raw, 1)));
    } else {
      w.bytes(raw);
    }
    if (flow === Flow.End) return;
  }
}

/** The global section with each initialiser's global.get moved. */
export function shiftGlobals(input: Uint8Array, s: Section, layout: CounterLayout): Uint8Array {
  const r = sectionReader(input, s);
  const w = createByteWriter(s.end - s.start + 16);
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    skipValType(r);
    r.u8();
    w.bytes(input.subarray(at, r.pos));
    copyConstExpr(r, w, layout);
  }
  return w.finish();
}

/** The import section with the three counters appended: `__ameide.fuel` (i64), `.depth` and `.trap` (i32), all mutable. */
export function appendCounterImports(input: Uint8Array, s: Section | undefined): Uint8Array {
  const w = createByteWriter();
  const { count, rest } = splitVector(input, s);
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
}

/**
 * The export section with global indices moved, and an export added for each
 * mutable defined global and each defined memory, so a snapshot reaches them.
 */
export function shiftExports(
  input: Uint8Array,
  s: Section | undefined,
  scan: ModuleScan,
  layout: CounterLayout,
): Uint8Array {
  const w = createByteWriter();
  const entries: Uint8Array[] = [];
  let count = 0;
  if (s) {
    const r = sectionReader(input, s);
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
      e.u32(kind === ExternKind.Global ? layout.mapGlobal(idx) : idx);
      entries.push(e.finish());
    }
  }
  const { mutableDefinedGlobals, importedMemories, definedMemories } = scan;
  const enc = new TextEncoder();
  w.u32(count + mutableDefinedGlobals.length + definedMemories);
  for (const e of entries) w.bytes(e);
  for (const g of mutableDefinedGlobals) {
    w.sized(enc.encode(`${GLOBAL_EXPORT_PREFIX}${layout.mapGlobal(g)}`));
    w.u8(0x03);
    w.u32(layout.mapGlobal(g));
  }
  // A memory may be exported under several names: this adds one, whether or not the module exports it already.
  for (let m = importedMemories; m < importedMemories + definedMemories; m++) {
    w.sized(enc.encode(`${MEMORY_EXPORT_PREFIX}${m}`));
    w.u8(0x02);
    w.u32(m);
  }
  return w.finish();
}

/** The element section with the global.get of its offsets and expressions moved. */
export function shiftElements(input: Uint8Array, s: Section, layout: CounterLayout): Uint8Array {
  const r = sectionReader(input, s);
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
    if (active) copyConstExpr(r, w, layout);
    if (!active || explicitTable) {
      // elemkind (a byte) for function indices, a reference type for expressions
      const at = r.pos;
      if (usesExprs) skipValType(r);
      else r.u8();
      w.bytes(input.subarray(at, r.pos));
    }
    const items = r.u32();
    w.u32(items);
    for (let k = 0; k < items; k++) {
      if (usesExprs) copyConstExpr(r, w, layout);
      else w.u32(r.u32());
    }
  }
  return w.finish();
}

/** The data section with the global.get of its offsets moved. */
export function shiftData(input: Uint8Array, s: Section, layout: CounterLayout): Uint8Array {
  const r = sectionReader(input, s);
  const w = createByteWriter(s.end - s.start + 16);
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const flags = r.u32();
    w.u32(flags);
    if (flags === 2) w.u32(r.u32());
    if (flags === 0 || flags === 2) copyConstExpr(r, w, layout);
    else if (flags !== 1) throw malformed(`data segment flags ${flags}`, r.pos);
    const len = r.u32();
    const at = r.pos;
    r.skip(len);
    w.sized(input.subarray(at, at + len));
  }
  return w.finish();
}
