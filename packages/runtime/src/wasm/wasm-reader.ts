import { ExtensionError } from "@ameide-ext/contract";

// The one reader of the WebAssembly binary format in this repository: LEB128, the
// framing of sections, vectors, names, limits and value types, for core modules and
// components alike. Everything that reads a binary (the instrumenter, the shape check,
// the component readers, the registry's import check, the PDK's test reader) reads
// it with this. It imports nothing but the contract: the PDK's test support reaches
// it by a relative path, without the PDK depending on the runtime.

/** A cursor over WebAssembly binary bytes: LEB128 and raw reads, with bounds checks. */
export interface ByteReader {
  readonly bytes: Uint8Array;
  /** Current offset. */
  pos: number;
  u8(): number;
  u32(): number;
  /** Skips a signed LEB128 of at most `maxBytes` bytes (s32: 5, s33: 5, s64: 10). */
  skipSigned(maxBytes: number): void;
  /** Reads a signed LEB128 as a bigint (for i64.const). */
  s64(): bigint;
  skip(n: number): void;
  eof(): boolean;
}

/** Thrown for any malformed or truncated binary: `invalid_argument/invalid_module`. */
export function malformed(what: string, offset: number): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    `malformed WebAssembly: ${what} at byte ${offset}`,
    "invalid_module",
    { offset },
  );
}

/** Creates a reader over `bytes[start, end)`. */
export function createByteReader(bytes: Uint8Array, start = 0, end = bytes.length): ByteReader {
  const r: ByteReader = {
    bytes,
    pos: start,
    u8() {
      if (r.pos >= end) throw malformed("unexpected end", r.pos);
      return bytes[r.pos++] as number;
    },
    u32() {
      let result = 0;
      let shift = 0;
      for (let i = 0; i < 5; i++) {
        const b = r.u8();
        result |= (b & 0x7f) << shift;
        if ((b & 0x80) === 0) return result >>> 0;
        shift += 7;
      }
      throw malformed("LEB128 u32 too long", r.pos);
    },
    skipSigned(maxBytes: number) {
      for (let i = 0; i < maxBytes; i++) {
        if ((r.u8() & 0x80) === 0) return;
      }
      throw malformed("signed LEB128 too long", r.pos);
    },
    s64() {
      let result = 0n;
      let shift = 0n;
      let b = 0;
      for (let i = 0; i < 10; i++) {
        b = r.u8();
        result |= BigInt(b & 0x7f) << shift;
        shift += 7n;
        if ((b & 0x80) === 0) {
          if (shift < 64n && (b & 0x40) !== 0) result |= -1n << shift;
          return BigInt.asIntN(64, result);
        }
      }
      throw malformed("LEB128 s64 too long", r.pos);
    },
    skip(n: number) {
      if (n < 0 || r.pos + n > end) throw malformed("unexpected end", r.pos);
      r.pos += n;
    },
    eof() {
      return r.pos >= end;
    },
  };
  return r;
}

/**
 * The LEB128 u32 at `bytes[at]`, read without making a reader: for the
 * immediate of an instruction already read, once per instruction on the
 * instrumenter's hot path. Like {@link ByteReader.u32}, it refuses an
 * encoding that runs past the end or past five bytes (`invalid_module`).
 */
export function u32At(bytes: Uint8Array, at: number): number {
  let result = 0;
  for (let i = 0; i < 5; i++) {
    const b = bytes[at + i];
    if (b === undefined) throw malformed("unexpected end", at + i);
    result |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) return result >>> 0;
  }
  throw malformed("LEB128 u32 too long", at + 5);
}

/** Section ids of a core module. */
export const SectionId = {
  Custom: 0,
  Type: 1,
  Import: 2,
  Function: 3,
  Table: 4,
  Memory: 5,
  Global: 6,
  Export: 7,
  Start: 8,
  Element: 9,
  Code: 10,
  Data: 11,
  DataCount: 12,
  Tag: 13,
} as const;

/** Section ids of a component, where they differ in meaning from a core module's. */
export const ComponentSectionId = {
  CoreModule: 1,
  CoreInstance: 2,
  CoreType: 3,
  Component: 4,
  Alias: 6,
} as const;

/** The kinds of an import or export of a core module. */
export const ExternKind = { Func: 0, Table: 1, Memory: 2, Global: 3, Tag: 4 } as const;

/** The length of a preamble: magic and version (core) or version and layer (component). */
export const PREAMBLE_BYTES = 8;
/** The preamble of a core module: magic and version 1. */
export const CORE_PREAMBLE: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** The preamble of a component: magic, version 0x0d and layer 1. */
export const COMPONENT_PREAMBLE: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/** Tells whether `bytes` begins with `preamble`. */
export function hasPreamble(bytes: Uint8Array, preamble: readonly number[]): boolean {
  return bytes.length >= preamble.length && preamble.every((b, i) => bytes[i] === b);
}

/** Tells whether `bytes` begins like a core module (magic + version 1). */
export function isCoreModule(bytes: Uint8Array): boolean {
  return hasPreamble(bytes, CORE_PREAMBLE);
}

/** Tells whether `bytes` begins like a component (magic + layer 1). */
export function isComponent(bytes: Uint8Array): boolean {
  return hasPreamble(bytes, COMPONENT_PREAMBLE);
}

/** One section of a module or component: its id, where its header starts, and its payload `[start, end)`. */
export interface Section {
  id: number;
  /** Offset of the section's id byte. */
  header: number;
  /** Offset of the payload's first byte. */
  start: number;
  /** Offset after the payload's last byte. */
  end: number;
}

/**
 * The sections of `bytes[start, end)`, one at a time, so a caller may refuse
 * a section before the next one is read. `start` is past the preamble. A
 * section that runs past `end` is `invalid_argument/invalid_module`.
 */
export function* sections(bytes: Uint8Array, start = PREAMBLE_BYTES, end = bytes.length): Generator<Section> {
  const r = createByteReader(bytes, start, end);
  while (!r.eof()) {
    const header = r.pos;
    const id = r.u8();
    const size = r.u32();
    const payload = r.pos;
    r.skip(size);
    yield { id, header, start: payload, end: payload + size };
  }
}

/** The sections of a core module, all of them; bad magic or version is `invalid_argument/invalid_module`. */
export function readCoreSections(bytes: Uint8Array): Section[] {
  if (!isCoreModule(bytes)) throw malformed("not a core module (bad magic or version)", 0);
  return [...sections(bytes)];
}

/** A reader over the payload of `section`. */
export function sectionReader(bytes: Uint8Array, section: Section): ByteReader {
  return createByteReader(bytes, section.start, section.end);
}

/** Reads a vector: its length, then `item` once per element, with the element's index. */
export function readVector<T>(r: ByteReader, item: (r: ByteReader, index: number) => T): T[] {
  const n = r.u32();
  const items: T[] = [];
  for (let i = 0; i < n; i++) items.push(item(r, i));
  return items;
}

const lenient = new TextDecoder();
const strict = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a name (a length, then UTF-8). Lenient by default: bytes that are
 * not UTF-8 become U+FFFD. With `fatal`, they are `invalid_argument/invalid_module`.
 */
export function readName(r: ByteReader, fatal = false): string {
  const len = r.u32();
  const start = r.pos;
  r.skip(len);
  const bytes = r.bytes.subarray(start, start + len);
  if (!fatal) return lenient.decode(bytes);
  try {
    return strict.decode(bytes);
  } catch {
    throw malformed("a name that is not UTF-8", start);
  }
}

/** The limits of a memory or table: their flags byte, the minimum and the maximum, if any. */
export interface Limits {
  flags: number;
  min: number;
  max: number | undefined;
}

/** Reads limits: a flags byte (bit 0: a maximum follows), the minimum, the maximum. Other flags are the caller's to refuse. */
export function readLimits(r: ByteReader): Limits {
  const flags = r.u8();
  const min = r.u32();
  return { flags, min, max: flags & 0x01 ? r.u32() : undefined };
}

/** Skips a heap type (s33). */
export function skipHeapType(r: ByteReader): void {
  r.skipSigned(5);
}

/** Skips a value type: a one-byte type, or `ref null? ht`. */
export function skipValType(r: ByteReader): void {
  const b = r.u8();
  if (b === 0x63 || b === 0x64) skipHeapType(r);
}

/** Reads a value type and returns its first byte: 0x7f i32, 0x7e i64, 0x7d f32, 0x7c f64, 0x7b v128, else a reference type. */
export function readValType(r: ByteReader): number {
  const b = r.bytes[r.pos];
  skipValType(r);
  return b as number;
}
