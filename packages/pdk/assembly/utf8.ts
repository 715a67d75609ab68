// UTF-8 <-> UTF-16 for the ABI glue, with a fast path for ASCII text (JSON
// is nearly always ASCII): a word-at-a-time check, then a word-at-a-time
// widening or narrowing. Any other text takes the standard library's exact
// conversions, where lone surrogates become U+FFFD (the component model
// only carries valid UTF-8).

// @ts-ignore: decorator
@inline const ASCII_BYTES_MASK: u64 = 0x8080808080808080;
// @ts-ignore: decorator
@inline const ASCII_UNITS_MASK: u64 = 0xff80ff80ff80ff80;
// What `__new` puts before an object, past the block that `heap.alloc` returns (rt/common.ts: OBJECT_OVERHEAD).
// @ts-ignore: decorator
@inline const OBJECT_HEADER: usize = 16;

/** True if the `count` UTF-16 code units at `ptr` are all ASCII. */
function isAsciiUnits(ptr: usize, count: usize): bool {
  const bytes = count << 1;
  let i: usize = 0;
  let seen: u64 = 0;
  for (; i + 8 <= bytes; i += 8) seen |= load<u64>(ptr + i);
  for (; i < bytes; i += 2) seen |= <u64>load<u16>(ptr + i);
  return (seen & ASCII_UNITS_MASK) == 0;
}

/** Four ASCII bytes (the low 32 bits of `x`) spread to four UTF-16 code units. */
// @ts-ignore: decorator
@inline
function widen4(x: u64): u64 {
  x = (x | (x << 16)) & 0x0000ffff0000ffff;
  return (x | (x << 8)) & 0x00ff00ff00ff00ff;
}

/**
 * Lifts `len` bytes of UTF-8 at `ptr` into a string. ASCII is widened eight
 * bytes at a time; at the first non-ASCII byte the string under way is
 * dropped (it is the newest allocation, so the stub runtime takes it back)
 * and the standard library decodes the whole text.
 */
export function liftUtf8(ptr: usize, len: usize): string {
  const out = __new(len << 1, idof<string>());
  const wordsEnd = ptr + (len & ~7);
  let src = ptr;
  let dst = out;
  for (; src < wordsEnd; src += 8, dst += 16) {
    const x = load<u64>(src);
    if ((x & ASCII_BYTES_MASK) != 0) return decodeAgain(ptr, len, out);
    store<u64>(dst, widen4(x & 0xffffffff));
    store<u64>(dst, widen4(x >> 32), 8);
  }
  if (src < ptr + len && len >= 8) {
    // the last one to seven bytes: the word ending at len overlaps bytes already widened
    const x = load<u64>(ptr + len - 8);
    if ((x & ASCII_BYTES_MASK) != 0) return decodeAgain(ptr, len, out);
    const at = out + ((len - 8) << 1);
    store<u64>(at, widen4(x & 0xffffffff));
    store<u64>(at, widen4(x >> 32), 8);
    return changetype<string>(out);
  }
  for (const end = ptr + len; src < end; src++, dst += 2) {
    const c = load<u8>(src);
    if (c >= 0x80) return decodeAgain(ptr, len, out);
    store<u16>(dst, c);
  }
  return changetype<string>(out);
}

function decodeAgain(ptr: usize, len: usize, dropped: usize): string {
  heap.free(dropped - OBJECT_HEADER);
  return String.UTF8.decodeUnsafe(ptr, len);
}

/** The UTF-8 length of `text`, and whether it is ASCII (then one byte per code unit). */
export function utf8Length(text: string): usize {
  const count = <usize>text.length;
  if (isAsciiUnits(changetype<usize>(text), count)) return count;
  return <usize>String.UTF8.byteLength(text);
}

/** Writes `text` as UTF-8 at `at` (room for `utf8Length(text)` bytes); returns the bytes written. */
export function lowerUtf8(text: string, at: usize): usize {
  const src = changetype<usize>(text);
  const count = <usize>text.length;
  if (!isAsciiUnits(src, count)) {
    return String.UTF8.encodeUnsafe(src, text.length, at, false, String.UTF8.ErrorMode.REPLACE);
  }
  let i: usize = 0;
  for (; i + 4 <= count; i += 4) {
    let x = load<u64>(src + (i << 1));
    x = (x | (x >> 8)) & 0x0000ffff0000ffff;
    store<u32>(at + i, <u32>(x | (x >> 16)));
  }
  for (; i < count; i++) store<u8>(at + i, <u8>load<u16>(src + (i << 1)));
  return count;
}

/** The byte length of the text `lowerToHeap` wrote last. */
export let loweredLength: usize = 0;

/**
 * Writes `text` as UTF-8 to a fresh heap block and returns its address (its
 * length in `loweredLength`). ASCII is narrowed four code units at a time in
 * one pass; other text is measured, then encoded by the standard library.
 */
export function lowerToHeap(text: string): usize {
  const src = changetype<usize>(text);
  const count = <usize>text.length;
  const out = heap.alloc(count);
  const wordsEnd = src + ((count & ~3) << 1);
  let from = src;
  let dst = out;
  for (; from < wordsEnd; from += 8, dst += 4) {
    let x = load<u64>(from);
    if ((x & ASCII_UNITS_MASK) != 0) return lowerAgain(text, out);
    x = (x | (x >> 8)) & 0x0000ffff0000ffff;
    store<u32>(dst, <u32>(x | (x >> 16)));
  }
  if (from < src + (count << 1) && count >= 4) {
    // the last one to three units: the word ending at count overlaps units already narrowed
    let x = load<u64>(src + ((count - 4) << 1));
    if ((x & ASCII_UNITS_MASK) != 0) return lowerAgain(text, out);
    x = (x | (x >> 8)) & 0x0000ffff0000ffff;
    store<u32>(out + count - 4, <u32>(x | (x >> 16)));
    loweredLength = count;
    return out;
  }
  for (const end = src + (count << 1); from < end; from += 2, dst++) {
    const c = load<u16>(from);
    if (c >= 0x80) return lowerAgain(text, out);
    store<u8>(dst, <u8>c);
  }
  loweredLength = count;
  return out;
}

function lowerAgain(text: string, dropped: usize): usize {
  heap.free(dropped);
  const len = <usize>String.UTF8.byteLength(text);
  const out = heap.alloc(len);
  loweredLength = String.UTF8.encodeUnsafe(changetype<usize>(text), text.length, out, false, String.UTF8.ErrorMode.REPLACE);
  return out;
}
