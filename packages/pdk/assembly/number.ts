// Decimal <-> binary64 conversions for the JSON layer, exact like JavaScript:
// `parseDecimal` rounds correctly (what `Number("…")` gives) and
// `formatNumber` prints the shortest round-tripping digits, closest to the
// value, in `Number.prototype.toString` notation. Common cases take fast
// paths; the rest uses small bignums (Clinger's exact fast path for parsing,
// Steele & White / Burger & Dybvig free-format for printing). The standard
// library's strtod/dtoa are not used: they are not exact.

// Enough limbs for every intermediate: 10^1094 (the smallest scale when
// parsing) is 3635 bits, plus the shifts of the long division.
const LIMBS = 136;

/** A non-negative big integer with a fixed capacity, in base 2^32, least significant limb first. */
class Big {
  limbs: StaticArray<u32> = new StaticArray<u32>(LIMBS);
  len: i32 = 0;

  setU64(value: u64): Big {
    this.len = 0;
    while (value != 0) {
      unchecked((this.limbs[this.len++] = <u32>value));
      value >>= 32;
    }
    return this;
  }

  copy(other: Big): Big {
    memory.copy(changetype<usize>(this.limbs), changetype<usize>(other.limbs), <usize>other.len << 2);
    this.len = other.len;
    return this;
  }

  private grow(): void {
    if (this.len >= LIMBS) throw new Error("number conversion overflow");
    this.len++;
  }

  /** this = this * factor + addend */
  mulAdd(factor: u32, addend: u32): void {
    let carry = <u64>addend;
    for (let i = 0; i < this.len; i++) {
      const t = <u64>unchecked(this.limbs[i]) * factor + carry;
      unchecked((this.limbs[i] = <u32>t));
      carry = t >> 32;
    }
    if (carry != 0) {
      this.grow();
      unchecked((this.limbs[this.len - 1] = <u32>carry));
    }
  }

  mulPow10(exponent: i32): void {
    while (exponent >= 9) {
      this.mulAdd(1000000000, 0);
      exponent -= 9;
    }
    if (exponent > 0) this.mulAdd(<u32>unchecked(SMALL_POW10[exponent]), 0);
  }

  shiftLeft(bits: i32): void {
    if (this.len == 0 || bits == 0) return;
    const words = bits >> 5;
    const shift = bits & 31;
    if (shift != 0) {
      let carry: u32 = 0;
      for (let i = 0; i < this.len; i++) {
        const limb = unchecked(this.limbs[i]);
        unchecked((this.limbs[i] = (limb << shift) | carry));
        carry = limb >> (32 - shift);
      }
      if (carry != 0) {
        this.grow();
        unchecked((this.limbs[this.len - 1] = carry));
      }
    }
    if (words > 0) {
      if (this.len + words > LIMBS) throw new Error("number conversion overflow");
      for (let i = this.len - 1; i >= 0; i--) unchecked((this.limbs[i + words] = this.limbs[i]));
      for (let i = 0; i < words; i++) unchecked((this.limbs[i] = 0));
      this.len += words;
    }
  }

  /** this += other */
  add(other: Big): void {
    while (this.len < other.len) {
      unchecked((this.limbs[this.len] = 0));
      this.len++;
    }
    let carry: u64 = 0;
    for (let i = 0; i < this.len; i++) {
      const t = <u64>unchecked(this.limbs[i]) + (i < other.len ? <u64>unchecked(other.limbs[i]) : 0) + carry;
      unchecked((this.limbs[i] = <u32>t));
      carry = t >> 32;
    }
    if (carry != 0) {
      this.grow();
      unchecked((this.limbs[this.len - 1] = <u32>carry));
    }
  }

  /** this -= other, for this >= other */
  sub(other: Big): void {
    let borrow: i64 = 0;
    for (let i = 0; i < this.len; i++) {
      const t = <i64>unchecked(this.limbs[i]) - (i < other.len ? <i64>unchecked(other.limbs[i]) : 0) - borrow;
      unchecked((this.limbs[i] = <u32>t));
      borrow = t < 0 ? 1 : 0;
    }
    this.trim();
  }

  trim(): void {
    while (this.len > 0 && unchecked(this.limbs[this.len - 1]) == 0) this.len--;
  }

  bitLength(): i32 {
    if (this.len == 0) return 0;
    return (this.len << 5) - <i32>clz(unchecked(this.limbs[this.len - 1]));
  }

  isZero(): bool {
    return this.len == 0;
  }

  /** The 64 most significant bits, the top bit set (for a non-zero value of at least 64 bits). */
  top64(): u64 {
    const bits = this.bitLength();
    let out: u64 = 0;
    for (let i = 0; i < 64; i++) {
      const at = bits - 1 - i;
      out = (out << 1) | (at >= 0 ? <u64>((unchecked(this.limbs[at >> 5]) >> (at & 31)) & 1) : 0);
    }
    return out;
  }

  /** True if any of the bits below the top 64 is set. */
  lowBitsSet(): bool {
    const below = this.bitLength() - 64;
    if (below <= 0) return false;
    const words = below >> 5;
    for (let i = 0; i < words; i++) if (unchecked(this.limbs[i]) != 0) return true;
    const rest = below & 31;
    return rest != 0 && (unchecked(this.limbs[words]) & ((1 << rest) - 1)) != 0;
  }
}

function compare(a: Big, b: Big): i32 {
  if (a.len != b.len) return a.len > b.len ? 1 : -1;
  for (let i = a.len - 1; i >= 0; i--) {
    const x = unchecked(a.limbs[i]);
    const y = unchecked(b.limbs[i]);
    if (x != y) return x > y ? 1 : -1;
  }
  return 0;
}

const SMALL_POW10: StaticArray<u32> = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];
/** The powers of ten that are exact doubles, 10^0 to 10^22. */
export const EXACT_POW10: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

// Scratch bignums, reused: the stub runtime never frees memory.
const bigA = new Big();
const bigB = new Big();
const bigC = new Big();
const bigD = new Big();
const bigT = new Big();

// ---- parsing ---------------------------------------------------------------

// A double is decided by at most 767 significant digits; more are folded into a sticky digit.
const MAX_DIGITS = 768;
const digitBuf = new StaticArray<u8>(MAX_DIGITS + 1);

/**
 * Parses the JSON number text in code units [start, end) of `text` (already
 * checked against the JSON grammar) and rounds it to the nearest double,
 * ties to even, exactly as JavaScript does.
 */
export function parseDecimal(text: string, start: i32, end: i32): f64 {
  const base = changetype<usize>(text);
  let p = start;
  const negative = load<u16>(base + (<usize>p << 1)) == 0x2d;
  if (negative) p++;
  let n = 0; // significant digits kept
  let point = 0; // the value is 0.<digits> * 10^point
  let sticky = false; // a non-zero digit was dropped
  let fraction = false;
  for (; p < end; p++) {
    const c = <i32>load<u16>(base + (<usize>p << 1));
    if (c == 0x2e) {
      fraction = true;
      continue;
    }
    if (c < 0x30 || c > 0x39) break;
    if (n == 0 && c == 0x30) {
      if (fraction) point--;
      continue;
    }
    if (n < MAX_DIGITS) unchecked((digitBuf[n++] = <u8>(c - 0x30)));
    else if (c != 0x30) sticky = true;
    if (!fraction) point++;
  }
  if (p < end) {
    // exponent
    p++;
    let expNegative = false;
    let c = <i32>load<u16>(base + (<usize>p << 1));
    if (c == 0x2b || c == 0x2d) {
      expNegative = c == 0x2d;
      p++;
    }
    let exponent = 0;
    for (; p < end; p++) {
      c = <i32>load<u16>(base + (<usize>p << 1));
      if (exponent < 100000) exponent = exponent * 10 + (c - 0x30);
    }
    point += expNegative ? -exponent : exponent;
  }
  const zero = negative ? -0.0 : 0.0;
  if (n == 0) return zero;
  if (!sticky) while (unchecked(digitBuf[n - 1]) == 0) n--;
  if (point > 310) return negative ? -Infinity : Infinity;
  if (point < -324) return zero;
  let exp10 = point - n;
  if (sticky) {
    unchecked((digitBuf[n++] = 1));
    exp10--;
  }
  let value: f64;
  if (n <= 15 && exp10 >= -22 && exp10 <= 22 + 15 - n) {
    // Clinger's fast path: the digits and the power of ten are exact doubles, one rounding.
    let digits: u64 = 0;
    for (let i = 0; i < n; i++) digits = digits * 10 + unchecked(digitBuf[i]);
    if (exp10 < 0) value = <f64>digits / unchecked(EXACT_POW10[-exp10]);
    else if (exp10 <= 22) value = <f64>digits * unchecked(EXACT_POW10[exp10]);
    else value = <f64>(digits * <u64>unchecked(EXACT_POW10[exp10 - 22])) * 1e22;
  } else {
    value = parseSlow(n, exp10);
  }
  return negative ? -value : value;
}

/** digitBuf[0..n) * 10^exp10, exactly rounded, with bignums. */
function parseSlow(n: i32, exp10: i32): f64 {
  const digits = bigA.setU64(0);
  let i = 0;
  while (i < n) {
    const chunk = min(9, n - i);
    let part: u32 = 0;
    for (let j = 0; j < chunk; j++) part = part * 10 + unchecked(digitBuf[i + j]);
    digits.mulAdd(unchecked(SMALL_POW10[chunk]), part);
    i += chunk;
  }
  if (exp10 >= 0) {
    digits.mulPow10(exp10);
    const bits = digits.bitLength();
    if (bits <= 64) return roundToDouble(digits.top64(), false, bits - 64);
    return roundToDouble(digits.top64(), digits.lowBitsSet(), bits - 64);
  }
  // digits / 10^-exp10 by long division, one quotient bit at a time.
  const divisor = bigB.setU64(1);
  divisor.mulPow10(-exp10);
  let shiftDigits = divisor.bitLength() - digits.bitLength();
  let shiftDivisor = 0;
  if (shiftDigits < 0) {
    shiftDivisor = -shiftDigits;
    shiftDigits = 0;
  }
  digits.shiftLeft(shiftDigits);
  divisor.shiftLeft(shiftDivisor);
  if (compare(digits, divisor) < 0) {
    digits.shiftLeft(1);
    shiftDigits++;
  }
  // now divisor <= digits < 2 * divisor: the quotient's top bit is 2^0
  let mantissa: u64 = 0;
  for (let bit = 0; bit < 64; bit++) {
    mantissa <<= 1;
    if (compare(digits, divisor) >= 0) {
      digits.sub(divisor);
      mantissa |= 1;
    }
    digits.shiftLeft(1);
  }
  return roundToDouble(mantissa, !digits.isZero(), shiftDivisor - shiftDigits - 63);
}

/**
 * Rounds mantissa * 2^exp2 (the mantissa's top bit set; `sticky` if the true
 * value is slightly above) to the nearest double, ties to even.
 */
function roundToDouble(mantissa: u64, sticky: bool, exp2: i32): f64 {
  const top = exp2 + 63; // the value is in [2^top, 2^(top+1))
  if (top > 1023) return Infinity;
  let keep = top >= -1022 ? 53 : top + 1075; // bits that fit, fewer for subnormals
  if (keep < 0) return 0;
  const drop = 64 - keep;
  let kept: u64 = keep == 0 ? 0 : mantissa >> drop;
  const rest = drop == 64 ? mantissa : mantissa & ((<u64>1 << drop) - 1);
  const half = <u64>1 << (drop - 1);
  if (rest > half || (rest == half && (sticky || (kept & 1) != 0))) kept++;
  if (top < -1022) return reinterpret<f64>(kept); // subnormal (or rounded up to the smallest normal)
  let biased = top + 1023;
  if (kept == <u64>1 << 53) {
    kept >>= 1;
    biased++;
  }
  if (biased >= 2047) return Infinity;
  return reinterpret<f64>((<u64>biased << 52) | (kept & 0xfffffffffffff));
}

// ---- printing --------------------------------------------------------------

const outDigits = new StaticArray<u8>(20);

/** Where `formatNumberInto` / `formatIntegerInto` write: UTF-16 code units, 32 at most. */
export const NUMBER_TEXT: usize = memory.data(64, 2);

// @ts-ignore: decorator
@inline
function put(at: i32, code: i32): i32 {
  store<u16>(NUMBER_TEXT + (<usize>at << 1), <u16>code);
  return at + 1;
}

/** How many decimal digits `v` has. */
// @ts-ignore: decorator
@inline
function decimalLength(v: u32): i32 {
  if (v < 100000) {
    if (v < 100) return v < 10 ? 1 : 2;
    if (v < 1000) return 3;
    return v < 10000 ? 4 : 5;
  }
  if (v < 10000000) return v < 1000000 ? 6 : 7;
  if (v < 100000000) return 8;
  return v < 1000000000 ? 9 : 10;
}

/** `v / 10` for any u32, by a multiply and a shift (no division instruction). */
// @ts-ignore: decorator
@inline
function div10(v: u32): u32 {
  return <u32>((<u64>v * 0xcccccccd) >> 35);
}

/** Writes the `count` digits of `v` (count = its decimal length, or more for leading zeros) to outDigits[at, at + count). */
function digitsInto(v: u32, at: i32, count: i32): void {
  for (let i = at + count - 1; i >= at; i--) {
    const q = div10(v);
    unchecked((outDigits[i] = <u8>(v - q * 10)));
    v = q;
  }
}

/** Writes the digits of `v` < 10^16 to outDigits[0, count); returns count. */
function digitsOf(v: u64): i32 {
  if (v <= <u64>u32.MAX_VALUE) {
    const count = decimalLength(<u32>v);
    digitsInto(<u32>v, 0, count);
    return count;
  }
  const high = <u32>(v / 100000000);
  const count = decimalLength(high);
  digitsInto(high, 0, count);
  digitsInto(<u32>(v - <u64>high * 100000000), count, 8);
  return count + 8;
}

/** Writes `value` in decimal to NUMBER_TEXT; returns the number of code units. */
export function formatIntegerInto(value: i64): i32 {
  let at = 0;
  let magnitude = <u64>value;
  if (value < 0) {
    at = put(at, 0x2d);
    magnitude = <u64>-value; // i64.MIN_VALUE wraps to its own magnitude as u64
  }
  if (magnitude < 10000000000000000) {
    const count = digitsOf(magnitude);
    for (let i = 0; i < count; i++) at = put(at, 0x30 + unchecked(outDigits[i]));
    return at;
  }
  let count = 0;
  do {
    unchecked((outDigits[count++] = <u8>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  while (count > 0) at = put(at, 0x30 + unchecked(outDigits[--count]));
  return at;
}

/**
 * Writes `x` to NUMBER_TEXT like JavaScript's `String(x)`, except that NaN
 * and the infinities give "null", as in `JSON.stringify`; returns the
 * number of code units.
 */
export function formatNumberInto(x: f64): i32 {
  if (!isFinite(x)) {
    put(0, 0x6e);
    put(1, 0x75);
    put(2, 0x6c);
    put(3, 0x6c);
    return 4;
  }
  if (x == 0) return put(0, 0x30);
  if (x == Math.trunc(x) && Math.abs(x) < 9007199254740992) return formatIntegerInto(<i64>x);
  const negative = x < 0;
  const magnitude = negative ? -x : x;
  let count = magnitude >= 1e-7 && magnitude < 1e15 ? shortDigits(magnitude) : 0;
  if (count == 0) count = shortestDigits(magnitude);
  return layout(negative, count, point);
}

/**
 * The fast path of `shortestDigits` for x in [1e-7, 1e15): finds x's digits
 * when at most 15 significant digits round-trip, and returns 0 otherwise. A
 * double's rounding interval holds at most one decimal of 15 digits or
 * fewer, so the first that round-trips is the shortest and the closest.
 */
function shortDigits(x: f64): i32 {
  for (let decimals = 1; decimals <= 22; decimals++) {
    const scale = unchecked(EXACT_POW10[decimals]);
    const scaled = Math.round(x * scale);
    if (scaled >= 1e15) return 0;
    // Clinger: an integer below 2^53 over an exact power of ten rounds once.
    if (scaled / scale != x) continue;
    let count = digitsOf(<u64>scaled);
    // The first scale that round-trips leaves no trailing zero; the loop only guards it.
    while (count > 1 && unchecked(outDigits[count - 1]) == 0) {
      count--;
      decimals--;
    }
    point = count - decimals;
    return count;
  }
  return 0;
}

/** `formatNumberInto` as a string. */
export function formatNumber(x: f64): string {
  return String.UTF16.decodeUnsafe(NUMBER_TEXT, <usize>formatNumberInto(x) << 1);
}

let point = 0;

/** Fills outDigits with the shortest digits of x > 0 and sets `point`: x ≈ 0.<digits> * 10^point. */
function shortestDigits(x: f64): i32 {
  const bits = reinterpret<u64>(x);
  const biased = <i32>((bits >> 52) & 0x7ff);
  const fraction = bits & 0xfffffffffffff;
  const f = biased == 0 ? fraction : fraction | (<u64>1 << 52);
  const e = biased == 0 ? -1074 : biased - 1075;
  const even = (f & 1) == 0;
  // Above a power of two the gap below is half the gap above.
  const unequalGaps = fraction == 0 && biased > 1;

  const r = bigA;
  const s = bigB;
  const mPlus = bigC;
  const mMinus = bigD;
  if (e >= 0) {
    r.setU64(f);
    r.shiftLeft(e + (unequalGaps ? 2 : 1));
    s.setU64(unequalGaps ? 4 : 2);
    mPlus.setU64(1);
    mPlus.shiftLeft(e + (unequalGaps ? 1 : 0));
    mMinus.setU64(1);
    mMinus.shiftLeft(e);
  } else {
    r.setU64(f << (unequalGaps ? 2 : 1));
    s.setU64(1);
    s.shiftLeft(-e + (unequalGaps ? 2 : 1));
    mPlus.setU64(unequalGaps ? 2 : 1);
    mMinus.setU64(1);
  }
  // Estimate the decimal exponent; it may be one too small, fixed below.
  const bitLen = 64 - <i32>clz(f);
  let k = <i32>Math.ceil(<f64>(bitLen + e - 1) * 0.30102999566398114 - 1e-10);
  if (k >= 0) s.mulPow10(k);
  else {
    r.mulPow10(-k);
    mPlus.mulPow10(-k);
    mMinus.mulPow10(-k);
  }
  bigT.copy(r).add(mPlus);
  let c = compare(bigT, s);
  if (even ? c >= 0 : c > 0) {
    s.mulAdd(10, 0);
    k++;
  }
  point = k;

  let count = 0;
  while (true) {
    r.mulAdd(10, 0);
    mPlus.mulAdd(10, 0);
    mMinus.mulAdd(10, 0);
    let digit = 0;
    while (compare(r, s) >= 0) {
      r.sub(s);
      digit++;
    }
    c = compare(r, mMinus);
    const low = even ? c <= 0 : c < 0;
    bigT.copy(r).add(mPlus);
    c = compare(bigT, s);
    const high = even ? c >= 0 : c > 0;
    if (!low && !high) {
      unchecked((outDigits[count++] = <u8>digit));
      continue;
    }
    if (low && high) {
      // Both neighbours round-trip: take the closer, ties to even.
      bigT.copy(r).shiftLeft(1);
      c = compare(bigT, s);
      if (c > 0 || (c == 0 && (digit & 1) != 0)) digit++;
    } else if (high) {
      digit++;
    }
    unchecked((outDigits[count++] = <u8>digit));
    return count;
  }
}

/** Lays out digits and `point` as `Number.prototype.toString` does, into NUMBER_TEXT. */
function layout(negative: bool, count: i32, point: i32): i32 {
  let at = negative ? put(0, 0x2d) : 0;
  if (count <= point && point <= 21) {
    for (let i = 0; i < count; i++) at = put(at, 0x30 + unchecked(outDigits[i]));
    for (let i = count; i < point; i++) at = put(at, 0x30);
  } else if (0 < point && point <= 21) {
    for (let i = 0; i < count; i++) {
      if (i == point) at = put(at, 0x2e);
      at = put(at, 0x30 + unchecked(outDigits[i]));
    }
  } else if (-6 < point && point <= 0) {
    at = put(at, 0x30);
    at = put(at, 0x2e);
    for (let i = point; i < 0; i++) at = put(at, 0x30);
    for (let i = 0; i < count; i++) at = put(at, 0x30 + unchecked(outDigits[i]));
  } else {
    at = put(at, 0x30 + unchecked(outDigits[0]));
    if (count > 1) {
      at = put(at, 0x2e);
      for (let i = 1; i < count; i++) at = put(at, 0x30 + unchecked(outDigits[i]));
    }
    let exponent = point - 1;
    at = put(at, 0x65); // e
    at = put(at, exponent < 0 ? 0x2d : 0x2b);
    if (exponent < 0) exponent = -exponent;
    if (exponent >= 100) at = put(at, 0x30 + exponent / 100);
    if (exponent >= 10) at = put(at, 0x30 + (exponent / 10) % 10);
    at = put(at, 0x30 + (exponent % 10));
  }
  return at;
}
