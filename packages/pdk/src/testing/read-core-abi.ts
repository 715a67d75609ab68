/**
 * Reads the imports, exports and memory of a core module, with function
 * signatures (which `WebAssembly.Module.imports/exports` do not give).
 * Test-only: not part of the package's API. It reads with the runtime's
 * binary reader by a relative path: the runtime depends on the PDK (for its
 * tests), so the PDK cannot depend on the runtime, and this folder is left out
 * of the PDK's build and package.
 */
import {
  type ByteReader,
  ExternKind,
  readLimits,
  readName,
  readValType,
  readVector,
  SectionId,
  sectionReader,
  sections,
  skipValType,
} from "../../../runtime/src/wasm/wasm-reader.js";

/** A function signature, value types named as in the text format. */
export interface CoreSignature {
  /** Parameter types, e.g. `["i32", "i32"]`. */
  params: string[];
  /** Result types. */
  results: string[];
}

/** One import or export. */
export interface CoreItem {
  /** The import's module; empty for exports. */
  module: string;
  /** The field or export name. */
  name: string;
  /** `func`, `table`, `memory` or `global`. */
  kind: string;
  /** The signature of a function; undefined for other kinds. */
  signature: CoreSignature | undefined;
}

/** What a core module imports and exports. */
export interface CoreAbi {
  /** The imports, in order. */
  imports: CoreItem[];
  /** The exports, in order. */
  exports: CoreItem[];
  /** The limits of the defined memory, in 64 KiB pages; undefined without one. */
  memory: { initial: number; maximum: number | undefined } | undefined;
}

const KINDS = ["func", "table", "memory", "global"];
const VALUE_TYPES: Readonly<Record<number, string>> = {
  127: "i32",
  126: "i64",
  125: "f32",
  124: "f64",
  123: "v128",
  112: "funcref",
  111: "externref",
};

const valueType = (r: ByteReader): string => VALUE_TYPES[readValType(r)] ?? "unknown";
const memoryLimits = (r: ByteReader): { initial: number; maximum: number | undefined } => {
  const { min, max } = readLimits(r);
  return { initial: min, maximum: max };
};

/** Parses the sections of `core` that describe its interface, with the runtime's binary reader. */
export function readCoreAbi(core: Uint8Array): CoreAbi {
  const types: CoreSignature[] = [];
  const functionTypes: number[] = []; // type index of every function, imports first
  const abi: CoreAbi = { imports: [], exports: [], memory: undefined };
  for (const section of sections(core)) {
    const r = sectionReader(core, section);
    if (section.id === SectionId.Type) {
      readVector(r, () => {
        r.u8(); // 0x60
        types.push({ params: readVector(r, valueType), results: readVector(r, valueType) });
      });
    } else if (section.id === SectionId.Import) {
      readVector(r, () => abi.imports.push(readImport(r, types, functionTypes)));
    } else if (section.id === SectionId.Function) {
      functionTypes.push(...readVector(r, () => r.u32()));
    } else if (section.id === SectionId.Memory) {
      if (r.u32() > 0) abi.memory = memoryLimits(r);
    } else if (section.id === SectionId.Export) {
      readVector(r, () => {
        const name = readName(r);
        const kind = r.u8();
        const index = r.u32();
        const type = kind === ExternKind.Func ? functionTypes[index] : undefined;
        abi.exports.push({
          module: "",
          name,
          kind: KINDS[kind] ?? "unknown",
          signature: type === undefined ? undefined : types[type],
        });
      });
    }
  }
  return abi;
}

/** Reads one import; a function import's type joins `functionTypes`. */
function readImport(r: ByteReader, types: readonly CoreSignature[], functionTypes: number[]): CoreItem {
  const module = readName(r);
  const name = readName(r);
  const kind = r.u8();
  let signature: CoreSignature | undefined;
  if (kind === ExternKind.Func) {
    const type = r.u32();
    functionTypes.push(type);
    signature = types[type];
  } else if (kind === ExternKind.Table) {
    skipValType(r);
    readLimits(r);
  } else if (kind === ExternKind.Memory) {
    readLimits(r);
  } else if (kind === ExternKind.Global) {
    skipValType(r);
    r.u8();
  } else {
    r.u8();
    r.u32();
  }
  return { module, name, kind: KINDS[kind] ?? "unknown", signature };
}
