// Checks that bytes are one JSON text (RFC 8259, as JSON.parse reads it) in
// well-formed UTF-8, without decoding them nor building the value: the
// engine checks every input and every output, and JSON.parse of a decoded
// string costs a string and the whole parsed value, garbage at once.
//
// Hot path (issue #12: 1,000 checks per 500-line batch): every byte is read
// within bounds (a read past the end of a typed array gives `undefined` and
// slows the code that reads it), a string's plain bytes are skipped with one
// table read each, digits with one xor and compare, whitespace is looked
// for only after a byte <= 0x20 (JSON.stringify writes none), the innermost
// container's kind is kept in a local, and the helpers (inlined by V8)
// return an index or -1 to a flat loop. `npm run bench:json-bytes` times it.

const OBJECT = 1;
const ARRAY = 2;

/** The open containers of the text being checked, innermost last, a byte each; grown on demand (one check at a time: synchronous). */
let stack = new Uint8Array(256);

/**
 * Per byte value, 1 for a byte that stands for itself inside a string
 * (printable ASCII and DEL, but `"` and `\`), else 0: the quote, an escape,
 * a control character or the first byte of a UTF-8 sequence. A typed array:
 * V8 reads this module constant at a fixed address. (A plain array was
 * measured too: slower, and no faster once any ArrayBuffer of the process
 * has been detached, after which V8 checks each typed array read for it.)
 */
const PLAIN_IN_STRING = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN_IN_STRING[c] = c === 0x22 || c === 0x5c ? 0 : 1;

/** True when `c` (a byte) is an ASCII digit: `c ^ 0x30` maps 0x30-0x39 onto 0-9 and every other byte above 9. */
const isDigit = (c: number) => (c ^ 0x30) < 10;

/** True when `c` (a byte) is JSON's whitespace: space, tab, line feed, carriage return. */
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

const isHex = (c: number) => (c ^ 0x30) < 10 || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);

/** The index of the first byte from `i` that is not whitespace, or `n`. */
function skipSpace(b: Uint8Array, i: number, n: number): number {
  while (i < n && isSpace(b[i] as number)) i++;
  return i;
}

/** The index after the string whose opening quote is just before `i`, or -1. */
function skipString(b: Uint8Array, i: number, n: number): number {
  for (;;) {
    while (i < n && PLAIN_IN_STRING[b[i] as number] === 1) i++;
    if (i >= n) return -1;
    const c = b[i] as number;
    if (c === 0x22) return i + 1;
    i = c === 0x5c ? skipEscape(b, i, n) : skipUtf8(b, i, n);
    if (i < 0) return -1;
  }
}

/** The index after the escape sequence whose backslash is at `i`, or -1. */
function skipEscape(b: Uint8Array, i: number, n: number): number {
  if (i + 1 >= n) return -1;
  const e = b[i + 1] as number;
  if (e === 0x75) {
    if (i + 5 >= n) return -1;
    const ok =
      isHex(b[i + 2] as number) &&
      isHex(b[i + 3] as number) &&
      isHex(b[i + 4] as number) &&
      isHex(b[i + 5] as number);
    return ok ? i + 6 : -1;
  }
  const simple =
    e === 0x22 ||
    e === 0x5c ||
    e === 0x2f ||
    e === 0x62 ||
    e === 0x66 ||
    e === 0x6e ||
    e === 0x72 ||
    e === 0x74;
  return simple ? i + 2 : -1;
}

/**
 * The index after the well-formed UTF-8 sequence of 2-4 bytes starting at
 * `i` (WHATWG's decoder's rules: no overlong form, no surrogate, nothing
 * above U+10FFFF, no truncation), or -1; -1 too for a control character.
 */
function skipUtf8(b: Uint8Array, i: number, n: number): number {
  const c = b[i] as number;
  let lo = 0x80;
  let hi = 0xbf;
  let more: number;
  if (c >= 0xc2 && c <= 0xdf) more = 1;
  else if (c >= 0xe0 && c <= 0xef) {
    more = 2;
    if (c === 0xe0) lo = 0xa0;
    else if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    more = 3;
    if (c === 0xf0) lo = 0x90;
    else if (c === 0xf4) hi = 0x8f;
  } else return -1;
  if (i + more >= n) return -1;
  const first = b[i + 1] as number;
  if (first < lo || first > hi) return -1;
  for (let k = 2; k <= more; k++) {
    const next = b[i + k] as number;
    if (next < 0x80 || next > 0xbf) return -1;
  }
  return i + more + 1;
}

/** The index after the number starting at `i` (a `-` or a digit, below `n`), or -1. */
function skipNumber(b: Uint8Array, i: number, n: number): number {
  if (b[i] === 0x2d && ++i >= n) return -1;
  const first = b[i] as number;
  if (first === 0x30) i++;
  else if (isDigit(first)) i = skipDigits(b, i + 1, n);
  else return -1;
  if (i < n && b[i] === 0x2e) {
    i++;
    if (i >= n || !isDigit(b[i] as number)) return -1;
    i = skipDigits(b, i + 1, n);
  }
  // `| 0x20` folds E onto e, and no other byte.
  if (i < n && ((b[i] as number) | 0x20) === 0x65) {
    i++;
    if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (i >= n || !isDigit(b[i] as number)) return -1;
    i = skipDigits(b, i + 1, n);
  }
  return i;
}

/** The index after the digits from `i` (below `n`). */
function skipDigits(b: Uint8Array, i: number, n: number): number {
  while (i < n && isDigit(b[i] as number)) i++;
  return i;
}

/** The index after `true`, `false` or `null` at `i` (its first letter there, below `n`), or -1. */
function skipLiteral(b: Uint8Array, i: number, n: number): number {
  const c = b[i];
  if (c === 0x74 || c === 0x6e) {
    if (i + 3 >= n) return -1;
    const ok =
      c === 0x74
        ? b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65
        : b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c;
    return ok ? i + 4 : -1;
  }
  if (c !== 0x66 || i + 4 >= n) return -1;
  const ok = b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65;
  return ok ? i + 5 : -1;
}

/** Doubles the stack, keeping what it holds. */
function growStack(): void {
  const grown = new Uint8Array(stack.length * 2);
  grown.set(stack);
  stack = grown;
}

/** The index after an object's `"key" :`, `i` at its quote or the spaces before it; or -1. */
function skipKey(b: Uint8Array, i: number, n: number): number {
  if (i < n && b[i] !== 0x22) i = skipSpace(b, i, n);
  if (i >= n || b[i] !== 0x22) return -1;
  i = skipString(b, i + 1, n);
  if (i < 0 || i >= n) return -1;
  if (b[i] === 0x3a) return i + 1;
  i = skipSpace(b, i, n);
  return i < n && b[i] === 0x3a ? i + 1 : -1;
}

/**
 * True when `bytes` are exactly one JSON text, with spaces around it, in
 * well-formed UTF-8: what `JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))`
 * accepts, except text starting with a byte order mark (which the decoder
 * drops): false for it, so a caller that falls back to JSON.parse on false
 * (for the error message) accepts exactly what it accepted before. With
 * `from` and `to` (0 ≤ from ≤ to ≤ length), the bytes `b[from..to)` are
 * judged, as a view of them would be, without making one.
 */
export function isJsonBytes(b: Uint8Array, from = 0, to = b.length): boolean {
  const n = to;
  let depth = 0;
  let inObject = false;
  let i = from;
  // At the top of the loop: the start, or just after `{`, `[` or `,`.
  for (;;) {
    if (inObject) {
      i = skipKey(b, i, n);
      if (i < 0) return false;
    }
    // A value at i, maybe after spaces.
    if (i >= n) return false;
    let c = b[i] as number;
    if (c <= 0x20) {
      i = skipSpace(b, i, n);
      if (i >= n) return false;
      c = b[i] as number;
    }
    if (c === 0x22) i = skipString(b, i + 1, n);
    else if (isDigit(c) || c === 0x2d) i = skipNumber(b, i, n);
    else if (c === 0x7b || c === 0x5b) {
      i++;
      if (i < n && (b[i] as number) <= 0x20) i = skipSpace(b, i, n);
      if (i < n && b[i] === (c === 0x7b ? 0x7d : 0x5d)) i++;
      else {
        inObject = c === 0x7b;
        if (depth === stack.length) growStack();
        stack[depth++] = inObject ? OBJECT : ARRAY;
        continue;
      }
    } else i = skipLiteral(b, i, n);
    if (i < 0) return false;
    // After a value: the end, a comma and the next value, or the close of its container.
    for (;;) {
      if (i >= n) return depth === 0;
      let d = b[i] as number;
      if (d <= 0x20) {
        i = skipSpace(b, i, n);
        if (i >= n) return depth === 0;
        d = b[i] as number;
      }
      if (d === 0x2c && depth > 0) {
        i++;
        break;
      }
      if (d !== (inObject ? 0x7d : 0x5d) || depth === 0) return false;
      depth--;
      inObject = depth > 0 && stack[depth - 1] === OBJECT;
      i++;
    }
  }
}
