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
