/**
 * Reads the imports, exports and memory of a core module, with function
 * signatures (which `WebAssembly.Module.imports/exports` do not give).
 * Test-only: not part of the package's API.
 */

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

/** Parses the sections of `core` that describe its interface. */
export function readCoreAbi(core: Uint8Array): CoreAbi {
  let at = 8; // magic and version
  const u8 = (): number => {
    const b = core[at++];
    if (b === undefined) throw new Error("truncated module");
    return b;
  };
  const uleb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = u8();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
  };
  const name = (): string => {
    const len = uleb();
    const text = new TextDecoder().decode(core.subarray(at, at + len));
    at += len;
    return text;
  };
  const limits = (): { initial: number; maximum: number | undefined } => {
    const flags = u8();
    const initial = uleb();
    return { initial, maximum: (flags & 1) !== 0 ? uleb() : undefined };
  };
  const valueType = (): string => VALUE_TYPES[u8()] ?? "unknown";

  const types: CoreSignature[] = [];
  const functionTypes: number[] = []; // type index of every function, imports first
  const abi: CoreAbi = { imports: [], exports: [], memory: undefined };
  while (at < core.length) {
    const id = u8();
    const size = uleb();
    const end = at + size;
    if (id === 1) {
      for (let n = uleb(); n > 0; n--) {
        u8(); // 0x60
        const params = Array.from({ length: uleb() }, valueType);
        const results = Array.from({ length: uleb() }, valueType);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = uleb(); n > 0; n--) {
        const module = name();
        const field = name();
        const kind = u8();
        let signature: CoreSignature | undefined;
        if (kind === 0) {
          const type = uleb();
          functionTypes.push(type);
          signature = types[type];
        } else if (kind === 1) {
          u8();
          limits();
        } else if (kind === 2) {
          limits();
        } else {
          u8();
          u8();
        }
        abi.imports.push({ module, name: field, kind: KINDS[kind] ?? "unknown", signature });
      }
    } else if (id === 3) {
      for (let n = uleb(); n > 0; n--) functionTypes.push(uleb());
    } else if (id === 5) {
      const count = uleb();
      if (count > 0) abi.memory = limits();
    } else if (id === 7) {
      for (let n = uleb(); n > 0; n--) {
        const field = name();
        const kind = u8();
        const index = uleb();
        const type = kind === 0 ? functionTypes[index] : undefined;
        abi.exports.push({
          module: "",
          name: field,
          kind: KINDS[kind] ?? "unknown",
          signature: type === undefined ? undefined : types[type],
        });
      }
    }
    at = end;
  }
  return abi;
}
