import { ExtensionError } from "@ameide-ext/contract";
import {
  type ByteReader,
  ComponentSectionId,
  malformed,
  PREAMBLE_BYTES,
  readName as readAnyName,
  readLimits,
  SectionId,
  sectionReader,
  sections,
  skipValType,
} from "../wasm/wasm-reader.js";

/** The core-level names a component holds, and where it holds what this reader does not read. */
export interface LinkNames {
  /** Import module and field names and export names of every core module; names of core instance arguments and inline exports; names in aliases. Nested components included. */
  names: string[];
  /** Core type sections met (their module types declare names too). */
  coreTypeSections: number;
}

/** A name that must be UTF-8: jco's glue writes it into JavaScript. */
const readName = (r: ByteReader): string => readAnyName(r, true);

/** Reads the import and export names of a core module. */
function readModuleNames(bytes: Uint8Array, start: number, end: number, names: string[]): void {
  for (const section of sections(bytes, start + PREAMBLE_BYTES, end)) {
    if (section.id === SectionId.Import) {
      const s = sectionReader(bytes, section);
      for (let n = s.u32(); n > 0; n--) {
        names.push(readName(s), readName(s));
        const kind = s.u8();
        if (kind === 0x00) s.u32();
        else if (kind === 0x01) {
          skipValType(s);
          readLimits(s);
        } else if (kind === 0x02) readLimits(s);
        else if (kind === 0x03) {
          skipValType(s);
          s.u8();
        } else if (kind === 0x04) {
          s.u8();
          s.u32();
        } else throw malformed(`import kind 0x${kind.toString(16)}`, s.pos);
      }
    } else if (section.id === SectionId.Export) {
      const s = sectionReader(bytes, section);
      for (let n = s.u32(); n > 0; n--) {
        names.push(readName(s));
        s.u8();
        s.u32();
      }
    }
  }
}

function readComponentNames(bytes: Uint8Array, start: number, end: number, out: LinkNames): void {
  for (const section of sections(bytes, start + PREAMBLE_BYTES, end)) {
    const { id } = section;
    if (id === ComponentSectionId.CoreModule) readModuleNames(bytes, section.start, section.end, out.names);
    else if (id === ComponentSectionId.Component) readComponentNames(bytes, section.start, section.end, out);
    else if (id === ComponentSectionId.CoreType) out.coreTypeSections++;
    else if (id === ComponentSectionId.CoreInstance) {
      const s = sectionReader(bytes, section);
      for (let n = s.u32(); n > 0; n--) {
        const tag = s.u8();
        if (tag === 0x00) {
          s.u32();
          for (let a = s.u32(); a > 0; a--) {
            out.names.push(readName(s));
            s.u8();
            s.u32();
          }
        } else if (tag === 0x01) {
          for (let e = s.u32(); e > 0; e--) {
            out.names.push(readName(s));
            s.u8();
            s.u32();
          }
        } else throw malformed(`core instance tag 0x${tag.toString(16)}`, s.pos);
      }
    } else if (id === ComponentSectionId.Alias) {
      const s = sectionReader(bytes, section);
      for (let n = s.u32(); n > 0; n--) {
        if (s.u8() === 0x00) s.u8();
        const target = s.u8();
        if (target === 0x00 || target === 0x01) {
          s.u32();
          out.names.push(readName(s));
        } else if (target === 0x02) {
          s.u32();
          s.u32();
        } else throw malformed(`alias target 0x${target.toString(16)}`, s.pos);
      }
    }
  }
}

/**
 * Reads the core-level names of a component, nested components included:
 * the names jco's glue writes into the JavaScript it generates. (The
 * component-level names are validated by jco's parser against the
 * component model's name grammar.)
 */
export function readLinkNames(component: Uint8Array): LinkNames {
  const out: LinkNames = { names: [], coreTypeSections: 0 };
  readComponentNames(component, 0, component.length, out);
  return out;
}

/**
 * The characters a core-level name of a linked component may use: letters,
 * digits and `_ - . : / @ | [ ] $`, which covers every name componentize-qjs
 * and wit-component write. jco's glue puts these names into JavaScript string
 * literals without escaping them, so a quote, a backslash or a line break in
 * one would let the component write code that the engine runs.
 */
export const LINK_NAME: RegExp = /^[A-Za-z0-9_\-.:/@|[\]$]*$/;

/**
 * Refuses a component whose glue would not be jco's code alone: a core-level
 * name outside {@link LINK_NAME} (`invalid_argument/invalid_module`), or a
 * core type section, whose module types declare names this reader does not
 * read (`invalid_argument/unsupported_feature`). Run before the glue is
 * generated, let alone evaluated.
 */
export function checkLinkNames(component: Uint8Array): void {
  const { names, coreTypeSections } = readLinkNames(component);
  const bad = names.find((n) => !LINK_NAME.test(n));
  if (bad !== undefined) {
    throw new ExtensionError(
      "invalid_argument",
      `the component has a core name ${JSON.stringify(bad)}; names of a linked component may use only letters, digits and _ - . : / @ | [ ] $`,
      "invalid_module",
      { name: bad },
    );
  }
  if (coreTypeSections > 0) {
    throw new ExtensionError(
      "invalid_argument",
      "the component declares core module types; a linked component may not",
      "unsupported_feature",
      { feature: "core module types" },
    );
  }
}
