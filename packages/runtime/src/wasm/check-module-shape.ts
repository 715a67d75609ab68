import {
  ExtensionError,
  MODULE_SHAPE_CAPS,
  type ModuleShapeCap,
  tableEntryBudget,
} from "@ameide-ext/contract";
import { Flow, readInstruction } from "./read-instruction.js";
import {
  type ByteReader,
  createByteReader,
  malformed,
  readLimits,
  SectionId,
  sectionReader,
  sections,
  skipValType,
} from "./wasm-reader.js";

/** The caps {@link checkModuleShape} holds a module to: MODULE_SHAPE_CAPS, with the table budget of its memory cap. */
export type ShapeCaps = Readonly<Record<ModuleShapeCap, number>>;

/** MODULE_SHAPE_CAPS with `tableEntries` the budget of a memory cap of `maxMemoryPages` (see tableEntryBudget). */
export function shapeCapsFor(maxMemoryPages: number): ShapeCaps {
  return { ...MODULE_SHAPE_CAPS, tableEntries: tableEntryBudget(maxMemoryPages / 16) };
}

/** What {@link checkModuleShape} counted: the largest value of each capped measure. */
export type ModuleShape = Record<ModuleShapeCap, number>;

/** A table of the module, as declared: its initial size and its maximum, if any. */
export interface DeclaredTable {
  min: number;
  max: number | undefined;
}

/** The refusal for a measure over its cap: `invalid_argument / module_too_complex`, naming the cap. */
export function tooComplex(cap: ModuleShapeCap | "modules", actual: number, limit: number): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    `the module is too complex: ${cap} is ${actual}, the cap is ${limit}`,
    "module_too_complex",
    { cap, actual, limit },
  );
}

/**
 * Checks a core module's shape against `caps` in one linear pass, before any
 * real work is done on it: each count is compared with its cap as soon as its
 * section header gives it, before its entries are decoded, so the pass is
 * bounded by the caps and the module's size. Function bodies are walked once
 * for their nesting depth. Throws `invalid_argument / module_too_complex`
 * (details: cap, actual, limit) over a cap, `invalid_argument / invalid_module`
 * for a malformed binary; returns what it measured.
 */
export function checkModuleShape(bytes: Uint8Array, caps: ShapeCaps = MODULE_SHAPE_CAPS): ModuleShape {
  const shape: ModuleShape = {
    types: 0,
    imports: 0,
    functions: 0,
    tables: 0,
    tableEntries: 0,
    globals: 0,
    exports: 0,
    elemSegments: 0,
    dataSegments: 0,
    bodyBytes: 0,
    localsPerFunction: 0,
    blockDepth: 0,
  };
  const add = (cap: ModuleShapeCap, n: number) => {
    const total = shape[cap] + n;
    if (total > caps[cap]) throw tooComplex(cap, total, caps[cap]);
    shape[cap] = total;
  };
  for (const section of sections(bytes)) {
    const { id } = section;
    const s = sectionReader(bytes, section);
    if (id === SectionId.Type) add("types", s.u32());
    else if (id === SectionId.Import) scanImports(s, add);
    else if (id === SectionId.Function) add("functions", s.u32());
    else if (id === SectionId.Table) {
      const tables = readTableSection(s, (n) => add("tables", n));
      add("tableEntries", sumTableEntries(tables));
    } else if (id === SectionId.Global) add("globals", s.u32());
    else if (id === SectionId.Export) add("exports", s.u32());
    else if (id === SectionId.Element) add("elemSegments", s.u32());
    else if (id === SectionId.Data) add("dataSegments", s.u32());
    else if (id === SectionId.Code) scanCode(s, caps, shape);
  }
  return shape;
}

/** Counts imports by kind: functions, tables and globals count against their own caps too. */
function scanImports(r: ByteReader, add: (cap: ModuleShapeCap, n: number) => void): void {
  const n = r.u32();
  add("imports", n);
  for (let i = 0; i < n; i++) {
    r.skip(r.u32());
    r.skip(r.u32());
    const kind = r.u8();
    if (kind === 0x00) {
      r.u32();
      add("functions", 1);
    } else if (kind === 0x01) {
      skipValType(r);
      readTableLimits(r);
      add("tables", 1);
    } else if (kind === 0x02) {
      // A memory's limits: any flags here (shared, 64-bit) are the instrumenter's to refuse, with their feature.
      readLimits(r);
    } else if (kind === 0x03) {
      skipValType(r);
      r.u8();
      add("globals", 1);
    } else return; // a tag: refused later by the instrumenter, with its name
  }
}

/**
 * Reads a table section's tables; `count` sees their number first, so a cap
 * on it holds before any table is decoded.
 */
export function readTableSection(r: ByteReader, count: (n: number) => void = () => {}): DeclaredTable[] {
  const n = r.u32();
  count(n);
  const tables: DeclaredTable[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    if (r.bytes[at] === 0x40) throw malformed("table with an initial expression", at);
    skipValType(r);
    tables.push(readTableLimits(r));
  }
  return tables;
}

/** The entries a module's tables start with, all together (their maximums are capped, see cap-tables.ts). */
export function sumTableEntries(tables: readonly DeclaredTable[]): number {
  return tables.reduce((sum, t) => sum + t.min, 0);
}

/** A table's limits: a flag other than "has a maximum" (a 64-bit or shared table) is malformed here. */
function readTableLimits(r: ByteReader): DeclaredTable {
  const at = r.pos;
  const flags = r.u8();
  if (flags > 1) throw malformed(`limits flags 0x${flags.toString(16)}`, at);
  r.pos = at;
  const { min, max } = readLimits(r);
  return { min, max };
}

/** The code section: each body's size, locals and nesting depth, each checked before it is decoded further. */
function scanCode(r: ByteReader, caps: ShapeCaps, shape: ModuleShape): void {
  const n = r.u32();
  if (n > caps.functions) throw tooComplex("functions", n, caps.functions);
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    if (size > caps.bodyBytes) throw tooComplex("bodyBytes", size, caps.bodyBytes);
    shape.bodyBytes = Math.max(shape.bodyBytes, size);
    const end = r.pos + size;
    r.skip(size);
    const body = createByteReader(r.bytes, end - size, end);
    shape.localsPerFunction = Math.max(shape.localsPerFunction, countLocals(body, caps.localsPerFunction));
    shape.blockDepth = Math.max(shape.blockDepth, measureDepth(body, caps.blockDepth));
  }
}

function countLocals(r: ByteReader, cap: number): number {
  const groups = r.u32();
  let locals = 0;
  for (let g = 0; g < groups; g++) {
    locals += r.u32();
    if (locals > cap) throw tooComplex("localsPerFunction", locals, cap);
    skipValType(r);
  }
  return locals;
}

/** The deepest nesting of blocks, loops and ifs in a body; refused as soon as it passes `cap`. */
function measureDepth(r: ByteReader, cap: number): number {
  let depth = 0;
  let deepest = 0;
  while (!r.eof()) {
    const { flow } = readInstruction(r);
    if (flow === Flow.Block || flow === Flow.Loop || flow === Flow.If) {
      depth++;
      if (depth > cap) throw tooComplex("blockDepth", depth, cap);
      if (depth > deepest) deepest = depth;
    } else if (flow === Flow.End) depth--;
  }
  return deepest;
}
