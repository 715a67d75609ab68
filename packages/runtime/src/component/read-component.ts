import { ExtensionError } from "@ameide-ext/contract";
import { createByteReader } from "../wasm/byte-reader.js";
import { hasPreamble, isCoreModule } from "../wasm/instrument-module.js";

/** The top-level parts of a component binary that the runtime looks at. */
export interface ComponentParts {
  /** The embedded core modules, in order. */
  coreModules: Uint8Array[];
  /** Top-level sections by id, in order (for stripping before printing). */
  sections: Array<{ id: number; start: number; end: number }>;
  /** Components nested at the top level: where a composed component (componentize-qjs) keeps its core modules. */
  nestedComponents: number;
}

/** The preamble of a component: magic and layer 1. */
const COMPONENT_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
const CORE_MODULE_SECTION = 1;
const COMPONENT_SECTION = 4;

/** Tells whether `bytes` begins like a component (magic + layer 1). */
export function isComponent(bytes: Uint8Array): boolean {
  return hasPreamble(bytes, COMPONENT_PREAMBLE);
}

/**
 * Splits a component into its top-level sections and core modules. Refuses a
 * bare core module (`not_a_component`) and anything that is not WebAssembly
 * (`invalid_module`).
 */
export function readComponent(bytes: Uint8Array): ComponentParts {
  if (isCoreModule(bytes)) {
    throw new ExtensionError(
      "invalid_argument",
      "this is a bare core module; the runtime runs components of the world ameide:extension/extension@1.0.0 (build with `ameide-ext build`)",
      "not_a_component",
    );
  }
  if (!isComponent(bytes)) {
    throw new ExtensionError(
      "invalid_argument",
      `not a WebAssembly component: the first bytes are ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ") || "(empty)"}`,
      "invalid_module",
    );
  }
  const r = createByteReader(bytes, 8);
  const coreModules: Uint8Array[] = [];
  const sections: ComponentParts["sections"] = [];
  let nestedComponents = 0;
  while (!r.eof()) {
    const id = r.u8();
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    sections.push({ id, start, end: start + size });
    if (id === CORE_MODULE_SECTION) coreModules.push(bytes.subarray(start, start + size));
    if (id === COMPONENT_SECTION) nestedComponents++;
  }
  return { coreModules, sections, nestedComponents };
}

/** Reads the export names of a core module without compiling it. */
export function readCoreExportNames(module: Uint8Array): string[] {
  const r = createByteReader(module, 8);
  const names: string[] = [];
  const dec = new TextDecoder();
  while (!r.eof()) {
    const id = r.u8();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 7) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const len = r.u32();
        const start = r.pos;
        r.skip(len);
        names.push(dec.decode(module.subarray(start, start + len)));
        r.u8();
        r.u32();
      }
    }
    r.pos = end;
  }
  return names;
}
