// The baseline of `npm run bench:json-bytes`: isJsonBytes as it was before
// the class-table rewrite (runtime commit 624466c), copied verbatim but for
// its name, so the bench times both in one run.

const OBJECT = 1;
const ARRAY = 2;

/** The open containers of the text being checked, innermost last; grown on demand (one check at a time: synchronous). */
let stack = new Uint8Array(256);

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const isHex = (c: number | undefined) =>
  c !== undefined && ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66));

function skipSpace(b: Uint8Array, i: number): number {
  const n = b.length;
  while (i < n) {
    const c = b[i] as number;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** The index after a well-formed UTF-8 sequence of 2-4 bytes starting at `i` (WHATWG's decoder's rules), or -1. */
function skipUtf8(b: Uint8Array, i: number): number {
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
  const first = b[i + 1];
  if (first === undefined || first < lo || first > hi) return -1;
  for (let k = 2; k <= more; k++) {
    const next = b[i + k];
    if (next === undefined || next < 0x80 || next > 0xbf) return -1;
  }
  return i + more + 1;
}

/** The index after the string whose opening quote is at `i`, or -1. */
function skipString(b: Uint8Array, i: number): number {
  const n = b.length;
  i++;
  while (i < n) {
    const c = b[i] as number;
    if (c >= 0x20 && c < 0x80 && c !== 0x22 && c !== 0x5c) {
      i++;
      continue;
    }
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      const e = b[i + 1];
      if (e === 0x75) {
        if (!(isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5]))) return -1;
        i += 6;
      } else if (
        e === 0x22 ||
        e === 0x5c ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      )
        i += 2;
      else return -1;
    } else if (c < 0x20) return -1;
    else if (c < 0x80) i++;
    else {
      i = skipUtf8(b, i);
      if (i < 0) return -1;
    }
  }
  return -1;
}

/** The index after the number starting at `i`, or -1. */
function skipNumber(b: Uint8Array, i: number): number {
  const n = b.length;
  if (i < n && b[i] === 0x2d) i++;
  if (i < n && b[i] === 0x30) i++;
  else if (i < n && isDigit(b[i])) i = skipDigits(b, i, n);
  else return -1;
  if (i < n && b[i] === 0x2e) {
    i++;
    if (!(i < n && isDigit(b[i]))) return -1;
    i = skipDigits(b, i, n);
  }
  if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (!(i < n && isDigit(b[i]))) return -1;
    i = skipDigits(b, i, n);
  }
  return i;
}

/** The index after the digits from `i` (below `n`). */
function skipDigits(b: Uint8Array, i: number, n: number): number {
  while (i < n) {
    const c = b[i] as number;
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i;
}

/** The index after the literal `word` (ASCII bytes) at `i`, or -1. */
function skipWord(b: Uint8Array, i: number, word: readonly number[]): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
  return i + word.length;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/** The index after the scalar (string, number, literal) at `i`, or -1. */
function skipScalar(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === 0x22) return skipString(b, i);
  if (c === 0x2d || isDigit(c)) return skipNumber(b, i);
  if (c === 0x74) return skipWord(b, i, TRUE);
  if (c === 0x66) return skipWord(b, i, FALSE);
  if (c === 0x6e) return skipWord(b, i, NULL);
  return -1;
}

/** The index after an object's `"key" :` and the spaces after it, `i` at the key's quote; or -1. */
function skipKey(b: Uint8Array, i: number): number {
  if (b[i] !== 0x22) return -1;
  i = skipString(b, i);
  if (i < 0) return -1;
  i = skipSpace(b, i);
  if (b[i] !== 0x3a) return -1;
  return skipSpace(b, i + 1);
}

function push(depth: number, kind: number): void {
  if (depth === stack.length) {
    const grown = new Uint8Array(stack.length * 2);
    grown.set(stack);
    stack = grown;
  }
  stack[depth] = kind;
}

/**
 * True when `bytes` are exactly one JSON text, with spaces around it, in
 * well-formed UTF-8: what `JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))`
 * accepts, except text starting with a byte order mark (which the decoder
 * drops): false for it, so a caller that falls back to JSON.parse on false
 * (for the error message) accepts exactly what it accepted before.
 */
export function isJsonBytesBaseline(b: Uint8Array): boolean {
  let depth = 0;
  let i = skipSpace(b, 0);
  for (;;) {
    // A value at i.
    const c = b[i];
    if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      i = skipSpace(b, i + 1);
      if (b[i] === close) i++;
      else {
        push(depth++, c === 0x7b ? OBJECT : ARRAY);
        if (c === 0x7b) {
          i = skipKey(b, i);
          if (i < 0) return false;
        }
        continue;
      }
    } else {
      i = skipScalar(b, i);
      if (i < 0) return false;
    }
    // After a value: the end, a comma and the next value, or the close of its container.
    for (;;) {
      i = skipSpace(b, i);
      if (depth === 0) return i === b.length;
      if (i >= b.length) return false;
      const inObject = stack[depth - 1] === OBJECT;
      const d = b[i];
      if (d === 0x2c) {
        i = skipSpace(b, i + 1);
        if (inObject) {
          i = skipKey(b, i);
          if (i < 0) return false;
        }
        break;
      }
      if (d !== (inObject ? 0x7d : 0x5d)) return false;
      depth--;
      i++;
    }
  }
}
