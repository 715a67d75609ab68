import { ExtensionError } from "@ameide-ext/contract";

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

/** A growable byte sink with LEB128 writers. */
export interface ByteWriter {
  u8(b: number): void;
  u32(v: number): void;
  s32(v: number): void;
  s64(v: bigint): void;
  bytes(b: Uint8Array): void;
  /** Writes `b` prefixed by its length as u32. */
  sized(b: Uint8Array): void;
  finish(): Uint8Array<ArrayBuffer>;
  readonly length: number;
}

/** Creates a {@link ByteWriter}. */
export function createByteWriter(initial = 1024): ByteWriter {
  let buf = new Uint8Array(initial);
  let len = 0;
  const ensure = (n: number) => {
    if (len + n <= buf.length) return;
    let cap = buf.length * 2;
    while (cap < len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(buf.subarray(0, len));
    buf = next;
  };
  const w: ByteWriter = {
    u8(b) {
      ensure(1);
      buf[len++] = b;
    },
    u32(v) {
      let x = v >>> 0;
      do {
        let b = x & 0x7f;
        x >>>= 7;
        if (x !== 0) b |= 0x80;
        w.u8(b);
      } while (x !== 0);
    },
    s32(v) {
      w.s64(BigInt(v | 0));
    },
    s64(v) {
      let x = BigInt.asIntN(64, v);
      for (;;) {
        const b = Number(x & 0x7fn);
        x >>= 7n;
        const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0);
        w.u8(done ? b : b | 0x80);
        if (done) return;
      }
    },
    bytes(b) {
      ensure(b.length);
      buf.set(b, len);
      len += b.length;
    },
    sized(b) {
      w.u32(b.length);
      w.bytes(b);
    },
    finish() {
      return buf.slice(0, len);
    },
    get length() {
      return len;
    },
  };
  return w;
}
