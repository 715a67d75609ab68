import { ExtensionError } from "@ameide-ext/contract";
import { Flow, readInstruction } from "./read-instruction.js";
import { COUNTERS_MODULE } from "./shift-indices.js";
import {
  type ByteReader,
  ExternKind,
  malformed,
  readName,
  readValType,
  type Section,
  SectionId,
  sectionReader,
  skipValType,
} from "./wasm-reader.js";

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

/** What the instrumenter learns of a module before it rewrites any of it. */
export interface ModuleScan {
  /** The type section's signatures, by type index. */
  sigs: FuncSig[];
  /** The function imports, in order, with signatures. */
  imports: FuncImport[];
  /** The type index of each defined function (the function section). */
  funcTypes: number[];
  /** The signatures of the function exports, by export name. */
  exportSigs: Map<string, FuncSig>;
  /** Every export name. */
  exportNames: Set<string>;
  /** Imported globals (with shared counters only; otherwise a global import is refused). */
  importedGlobals: number;
  /** Globals the module defines. */
  definedGlobals: number;
  /** Imported memories (with shared counters only). */
  importedMemories: number;
  /** Memories the module defines. */
  definedMemories: number;
  /** Indices of the mutable globals the module defines, before any shift. */
  mutableDefinedGlobals: number[];
  /** The value type (its byte) of each of {@link mutableDefinedGlobals}, in the same order. */
  mutableDefinedGlobalTypes: number[];
}

const V128 = 0x7b;
const VALTYPE_NAMES: Record<number, string> = {
  127: "i32",
  126: "i64",
  125: "f32",
  124: "f64",
  123: "v128",
};

function readValTypeName(r: ByteReader): string {
  return VALTYPE_NAMES[readValType(r)] ?? "ref";
}

/** A mutable v128 global: JavaScript can neither read nor write its value, so no snapshot could reset it. */
function mutableV128Global(): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    "a mutable v128 global is not supported: its value cannot be snapshotted and restored between invocations",
    "unsupported_feature",
    { feature: "mutable v128 global" },
  );
}

/** Skips a constant expression (global initialisers, segment offsets). */
export function skipConstExpr(r: ByteReader): void {
  for (;;) {
    const { flow } = readInstruction(r);
    if (flow === Flow.End) return;
  }
}

/** Skips an imported table's or memory's limits, refusing a 64-bit one. */
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

/**
 * Reads the types, imports, functions, memories, globals and exports of a
 * core module, refusing what the instrumenter cannot meter: a type that is
 * not a function type (garbage collection), an import other than a function
 * (unless `sharedCounters`: then tables, memories and globals of sibling
 * modules too), a mutable v128 global.
 */
export function scanModule(
  input: Uint8Array,
  sections: readonly Section[],
  sharedCounters: boolean,
): ModuleScan {
  const scan: ModuleScan = {
    sigs: [],
    imports: [],
    funcTypes: [],
    exportSigs: new Map(),
    exportNames: new Set(),
    importedGlobals: 0,
    definedGlobals: 0,
    importedMemories: 0,
    definedMemories: 0,
    mutableDefinedGlobals: [],
    mutableDefinedGlobalTypes: [],
  };
  const funcSigIndex: number[] = []; // function index -> type index
  const exportDefs: Array<[string, number]> = [];
  for (const s of sections) {
    const r = sectionReader(input, s);
    if (s.id === SectionId.Type) scanTypes(r, scan);
    else if (s.id === SectionId.Import) scanImports(r, scan, funcSigIndex, sharedCounters);
    else if (s.id === SectionId.Function) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const t = r.u32();
        scan.funcTypes.push(t);
        funcSigIndex.push(t);
      }
    } else if (s.id === SectionId.Memory) scan.definedMemories = r.u32();
    else if (s.id === SectionId.Global) scanGlobals(r, scan);
    else if (s.id === SectionId.Export) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const name = readName(r);
        scan.exportNames.add(name);
        const kind = r.u8();
        const idx = r.u32();
        if (kind === ExternKind.Func) exportDefs.push([name, idx]);
      }
    }
  }
  for (const [name, idx] of exportDefs) {
    const t = funcSigIndex[idx];
    const sig = t === undefined ? undefined : scan.sigs[t];
    if (sig) scan.exportSigs.set(name, sig);
  }
  return scan;
}

function scanTypes(r: ByteReader, scan: ModuleScan): void {
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
    scan.sigs.push({ params, results });
  }
}

function scanImports(r: ByteReader, scan: ModuleScan, funcSigIndex: number[], sharedCounters: boolean): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const module = readName(r);
    const field = readName(r);
    // The instrumenter imports the runtime's fuel, depth and trap counters from this module into every
    // linked module: a guest's own import of it would be handed the real counters, to write.
    if (module === COUNTERS_MODULE) {
      throw new ExtensionError(
        "invalid_argument",
        `import ${module}.${field}: the module name ${COUNTERS_MODULE} is reserved by the runtime (its fuel, depth and trap counters); a guest may not import from it`,
        "forbidden_import",
        { module, field },
      );
    }
    const kind = r.u8();
    if (kind === ExternKind.Func) {
      const t = r.u32();
      const sig = scan.sigs[t];
      if (!sig) throw malformed(`import ${module}.${field} has unknown type ${t}`, r.pos);
      scan.imports.push({ module, field, sig });
      funcSigIndex.push(t);
    } else if (sharedCounters && kind === ExternKind.Table) {
      skipValType(r);
      skipLimits(r);
    } else if (sharedCounters && kind === ExternKind.Memory) {
      skipLimits(r);
      scan.importedMemories++;
    } else if (sharedCounters && kind === ExternKind.Global) {
      skipValType(r);
      r.u8();
      scan.importedGlobals++;
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
}

function scanGlobals(r: ByteReader, scan: ModuleScan): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const type = r.bytes[r.pos];
    skipValType(r);
    const mut = r.u8();
    if (mut === 1 && type === V128) throw mutableV128Global();
    skipConstExpr(r);
    if (mut === 1) {
      scan.mutableDefinedGlobals.push(scan.importedGlobals + scan.definedGlobals);
      scan.mutableDefinedGlobalTypes.push(type as number);
    }
    scan.definedGlobals++;
  }
}
