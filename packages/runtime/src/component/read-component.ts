import { ExtensionError } from "@ameide-ext/contract";
import {
  type ByteReader,
  ComponentSectionId,
  isComponent,
  isCoreModule,
  readName,
  readVector,
  SectionId,
  sectionReader,
  sections,
} from "../wasm/wasm-reader.js";

/** The top-level parts of a component binary that the runtime looks at. */
export interface ComponentParts {
  /** The embedded core modules, in order. */
  coreModules: Uint8Array[];
  /** Top-level sections by id, in order (for stripping before printing). */
  sections: Array<{ id: number; start: number; end: number }>;
  /** Components nested at the top level: where a composed component (componentize-qjs) keeps its core modules. */
  nestedComponents: number;
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
  const coreModules: Uint8Array[] = [];
  const parts: ComponentParts["sections"] = [];
  let nestedComponents = 0;
  for (const { id, start, end } of sections(bytes)) {
    parts.push({ id, start, end });
    if (id === ComponentSectionId.CoreModule) coreModules.push(bytes.subarray(start, end));
    if (id === ComponentSectionId.Component) nestedComponents++;
  }
  return { coreModules, sections: parts, nestedComponents };
}

/** Reads the export names of a core module without compiling it. */
export function readCoreExportNames(module: Uint8Array): string[] {
  const names: string[] = [];
  for (const section of sections(module)) {
    if (section.id !== SectionId.Export) continue;
    names.push(...readVector(sectionReader(module, section), readExportName));
  }
  return names;
}

/** Reads one export's name and skips its kind and index. */
function readExportName(r: ByteReader): string {
  const name = readName(r);
  r.u8(); // kind
  r.u32(); // index
  return name;
}
