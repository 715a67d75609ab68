import { arenaNew } from "./arena";
import { EXACT_POW10, formatIntegerInto, formatNumberInto, NUMBER_TEXT, parseDecimal } from "./number";

// A small JSON reader and builder for hooks: `JSON.parse` gives a tree of
// `JSON.Value`, typed getters read it with defaults, and `JSON.object()` /
// `JSON.array()` build output that serializes exactly like JavaScript's
// `JSON.stringify` (integers without ".0", the same escapes). Integer
// literals keep their exact 64-bit value, so large ids survive a round trip.

/** Nesting deeper than this is refused by the parser, before the stack runs out. */
const MAX_DEPTH = 512;
/** Objects with more keys than this get a hash index; smaller ones are searched linearly (lengths first, 8 bytes at a time: cheaper than hashing up to here). */
const INDEX_THRESHOLD = 32;
/** The member slots a new object starts with; doubled when full. */
const MEMBERS_CAPACITY = 8;

/** A copy of `list` (its first `count` slots used) with twice the room. */
function grown<T>(list: StaticArray<T>, count: i32): StaticArray<T> {
  const out = new StaticArray<T>(count << 1);
  memory.copy(changetype<usize>(out), changetype<usize>(list), <usize>count << alignof<T>());
  return out;
}

// @ts-ignore: decorator
@inline const QUOTE = 0x22;
// @ts-ignore: decorator
@inline const BACKSLASH = 0x5c;

/**
 * A growable UTF-16 buffer that becomes the string itself: it is allocated
 * as a string and `toString` only sets its length (no copy). With the stub
 * runtime a growing buffer that is the newest allocation grows in place.
 */
class Writer {
  private buf: usize;
  private cap: i32;
  private len: i32 = 0;

  constructor(capacity: i32 = 128) {
    this.buf = __new(<usize>capacity, idof<string>());
    this.cap = capacity;
  }

  // @ts-ignore: decorator
  @inline
  private reserve(extra: i32): usize {
    const need = this.len + extra;
    if (need > this.cap) this.grow(need);
    return this.buf + <usize>this.len;
  }

  private grow(need: i32): void {
    let size = this.cap << 1;
    if (size < need) size = need;
    this.buf = __renew(this.buf, <usize>size);
    this.cap = size;
  }

  // @ts-ignore: decorator
  @inline
  char(code: i32): void {
    store<u16>(this.reserve(2), <u16>code);
    this.len += 2;
  }

  /** Appends the UTF-16 code units [start, end) of `text`. */
  slice(text: string, start: i32, end: i32): void {
    const bytes = (end - start) << 1;
    memory.copy(this.reserve(bytes), changetype<usize>(text) + (<usize>start << 1), <usize>bytes);
    this.len += bytes;
  }

  /** Appends `count` UTF-16 code units from `ptr`. */
  units(ptr: usize, count: i32): void {
    memory.copy(this.reserve(count << 1), ptr, <usize>count << 1);
    this.len += count << 1;
  }

  text(text: string): void {
    this.slice(text, 0, text.length);
  }

  /** The text written; the writer must not be used after. */
  toString(): string {
    return changetype<string>(__renew(this.buf, <usize>this.len));
  }
}

/** `a == b` for strings, the lengths compared first, inline: object keys mostly differ in length. */
// @ts-ignore: decorator
@inline
function sameText(a: string, b: string): bool {
  const pa = changetype<usize>(a);
  const pb = changetype<usize>(b);
  const bytes = load<u32>(pa - 4); // rtSize: the byte length
  if (bytes != load<u32>(pb - 4)) return false;
  return pa == pb || sameBytes(pa, pb, bytes);
}

/** True if the `bytes` (even) at `a` and `b` are equal; 8 at a time (string payloads are 8-aligned). */
function sameBytes(a: usize, b: usize, bytes: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= bytes; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  for (; i < bytes; i += 2) if (load<u16>(a + i) != load<u16>(b + i)) return false;
  return true;
}

// Four UTF-16 code units at a time (SWAR): a lane test is exact for "any lane matches".
// @ts-ignore: decorator
@inline const LANES_ONE: u64 = 0x0001000100010001;
// @ts-ignore: decorator
@inline const LANES_HIGH: u64 = 0x8000800080008000;

/** Non-zero if a 16-bit lane of `x` is zero. */
// @ts-ignore: decorator
@inline
function anyZeroLane(x: u64): u64 {
  return (x - LANES_ONE) & ~x & LANES_HIGH;
}

/** Non-zero if a lane of `x` (four code units) is a quote, a backslash or a control character. */
// @ts-ignore: decorator
@inline
function anyStringSpecial(x: u64): u64 {
  return (
    anyZeroLane(x ^ (LANES_ONE * <u64>QUOTE)) | anyZeroLane(x ^ (LANES_ONE * <u64>BACKSLASH)) | ((x - LANES_ONE * 0x20) & ~x & LANES_HIGH)
  );
}

/** Non-zero if a lane of `x` needs an escape in JSON output: those of `anyStringSpecial`, and surrogates. */
// @ts-ignore: decorator
@inline
function anyEscapeNeeded(x: u64): u64 {
  return anyStringSpecial(x) | anyZeroLane((x & (LANES_ONE * 0xf800)) ^ (LANES_ONE * 0xd800));
}

const HEX = "0123456789abcdef";

function writeUnicodeEscape(out: Writer, code: i32): void {
  out.char(BACKSLASH);
  out.char(0x75); // u
  out.char(HEX.charCodeAt((code >> 12) & 15));
  out.char(HEX.charCodeAt((code >> 8) & 15));
  out.char(HEX.charCodeAt((code >> 4) & 15));
  out.char(HEX.charCodeAt(code & 15));
}

/** The letter of the two-character escape of `c`, or 0 if it has none. */
function shortEscape(c: i32): i32 {
  if (c == QUOTE || c == BACKSLASH) return c;
  if (c == 0x08) return 0x62; // b
  if (c == 0x09) return 0x74; // t
  if (c == 0x0a) return 0x6e; // n
  if (c == 0x0c) return 0x66; // f
  if (c == 0x0d) return 0x72; // r
  return 0;
}

/**
 * The first index from `i` whose code unit may need an escape (the lowest
 * flagged lane of a word is exact), or the index of the last code units
 * (three at most) to check one by one (an overlapping word costs more than
 * the units it saves), or `n`.
 */
// @ts-ignore: decorator
@inline
function nextToEscape(base: usize, i: i32, n: i32): i32 {
  while (i + 4 <= n) {
    const flags = anyEscapeNeeded(load<u64>(base + (<usize>i << 1)));
    if (flags != 0) return i + <i32>(ctz(flags) >> 4);
    i += 4;
  }
  return i;
}

/** Writes `text` as a JSON string literal, escaped like `JSON.stringify`. */
function writeString(out: Writer, text: string): void {
  out.char(QUOTE);
  const n = text.length;
  const base = changetype<usize>(text);
  let run = 0;
  for (let i = 0; i < n; i++) {
    i = nextToEscape(base, i, n);
    if (i >= n) break;
    const c = <i32>load<u16>(base + (<usize>i << 1));
    if (c >= 0x20 && c != QUOTE && c != BACKSLASH && (c & 0xf800) != 0xd800) continue;
    if ((c & 0xfc00) == 0xd800 && i + 1 < n && (<i32>load<u16>(base + (<usize>(i + 1) << 1)) & 0xfc00) == 0xdc00) {
      i++; // a well-formed surrogate pair stays as it is
      continue;
    }
    if (i > run) out.slice(text, run, i);
    run = i + 1;
    const short = shortEscape(c);
    if (short != 0) {
      out.char(BACKSLASH);
      out.char(short);
    } else {
      // other control characters and lone surrogates
      writeUnicodeEscape(out, c);
    }
  }
  if (n > run) out.slice(text, run, n);
  out.char(QUOTE);
}

export namespace JSON {
  /** The six kinds of JSON value. */
  export enum Kind {
    Null = 0,
    Bool = 1,
    Number = 2,
    String = 3,
    Array = 4,
    Object = 5,
  }

  /**
   * One JSON value: null, a boolean, a number, a string, an array or an
   * object. Getters never trap: a missing key or a value of another kind
   * gives the fallback (or null for `get`, `getObject`, `getArray`).
   */
  export class Value {
    /** Which kind of value this is. */
    readonly kind: Kind;
    private b: bool = false;
    private num: f64 = 0;
    // The exact value of an integer literal or an integer set by the hook.
    private int: i64 = 0;
    private exactInt: bool = false;
    private str: string = "";
    private items: Array<Value> | null = null;
    // Objects: keys and values side by side in fixed arrays, the first
    // `memberCount` slots used, in insertion order (no Array objects to
    // allocate and grow: a member costs two stores); an index once the
    // object is large enough for linear search to cost.
    private memberKeys: StaticArray<string> | null = null;
    private memberValues: StaticArray<Value> | null = null;
    private memberCount: i32 = 0;
    // Bit (length % 32) set for the length of every key: a key whose bit is
    // clear is absent without a search (a superset after `remove`, which is fine).
    private lengthMask: u32 = 0;
    private index: Map<string, i32> | null = null;

    constructor(kind: Kind) {
      this.kind = kind;
      if (kind == Kind.Array) this.items = new Array<Value>();
      else if (kind == Kind.Object) {
        this.memberKeys = new StaticArray<string>(MEMBERS_CAPACITY);
        this.memberValues = new StaticArray<Value>(MEMBERS_CAPACITY);
      }
    }

    /**
     * A value of `kind` from the arena, every field set here (arena memory
     * is not zeroed); objects get their member slots, arrays their list.
     */
    // @ts-ignore: decorator
    @inline
    static blank(kind: Kind): Value {
      const v = changetype<Value>(arenaNew(offsetof<Value>(), idof<Value>()));
      store<i32>(changetype<usize>(v), kind, offsetof<Value>("kind"));
      v.b = false;
      v.num = 0;
      v.int = 0;
      v.exactInt = false;
      v.str = "";
      v.items = kind == Kind.Array ? new Array<Value>() : null;
      v.memberKeys = null;
      v.memberValues = null;
      v.memberCount = 0;
      v.lengthMask = 0;
      v.index = null;
      if (kind == Kind.Object) {
        v.memberKeys = changetype<StaticArray<string>>(
          arenaNew(<usize>MEMBERS_CAPACITY << alignof<string>(), idof<StaticArray<string>>()),
        );
        v.memberValues = changetype<StaticArray<Value>>(
          arenaNew(<usize>MEMBERS_CAPACITY << alignof<Value>(), idof<StaticArray<Value>>()),
        );
      }
      return v;
    }

    /** A boolean value. */
    static ofBool(value: bool): Value {
      const v = Value.blank(Kind.Bool);
      v.b = value;
      return v;
    }

    /** A number value. */
    static ofNumber(value: f64): Value {
      const v = Value.blank(Kind.Number);
      v.num = value;
      return v;
    }

    /** An integer value, kept exact (serialized without rounding to f64). */
    static ofInteger(value: i64): Value {
      const v = Value.blank(Kind.Number);
      v.num = <f64>value;
      v.int = value;
      v.exactInt = true;
      return v;
    }

    /** A string value. */
    static ofString(value: string): Value {
      const v = Value.blank(Kind.String);
      v.str = value;
      return v;
    }

    /** True for `null`. */
    get isNull(): bool {
      return this.kind == Kind.Null;
    }
    /** True for `true` and `false`. */
    get isBool(): bool {
      return this.kind == Kind.Bool;
    }
    /** True for any number. */
    get isNumber(): bool {
      return this.kind == Kind.Number;
    }
    /** True for a number without a fractional part. */
    get isInteger(): bool {
      return this.kind == Kind.Number && (this.exactInt || (isFinite(this.num) && this.num == Math.trunc(this.num)));
    }
    /** True for a string. */
    get isString(): bool {
      return this.kind == Kind.String;
    }
    /** True for an array. */
    get isArray(): bool {
      return this.kind == Kind.Array;
    }
    /** True for an object. */
    get isObject(): bool {
      return this.kind == Kind.Object;
    }

    /** The boolean, or `fallback` for any other kind. */
    asBool(fallback: bool = false): bool {
      return this.kind == Kind.Bool ? this.b : fallback;
    }

    /** The number as f64, or `fallback` for any other kind. */
    asNumber(fallback: f64 = 0): f64 {
      return this.kind == Kind.Number ? this.num : fallback;
    }

    /**
     * The number as i64: exact for integer literals (even beyond 2^53),
     * truncated toward zero for fractions; `fallback` for other kinds and for
     * values outside the i64 range.
     */
    asInteger(fallback: i64 = 0): i64 {
      if (this.kind != Kind.Number) return fallback;
      if (this.exactInt) return this.int;
      const t = Math.trunc(this.num);
      if (!(t >= -9.223372036854775808e18 && t < 9.223372036854775808e18)) return fallback;
      return <i64>t;
    }

    /** The string, or `fallback` for any other kind. */
    asString(fallback: string = ""): string {
      return this.kind == Kind.String ? this.str : fallback;
    }

    /** The items of an array (the live list), or an empty list for any other kind. */
    asArray(): Array<Value> {
      const items = this.items;
      return items !== null ? items : new Array<Value>();
    }

    /** The number of items of an array or keys of an object; 0 for other kinds. */
    get length(): i32 {
      const items = this.items;
      if (items !== null) return items.length;
      return this.memberCount;
    }

    /** The item at `index` of an array, or null when out of range or not an array. */
    at(index: i32): Value | null {
      const items = this.items;
      if (items === null || index < 0 || index >= items.length) return null;
      return unchecked(items[index]);
    }

    /** The keys of an object in insertion order (a copy); empty for other kinds. */
    keys(): Array<string> {
      const n = this.memberCount;
      const out = new Array<string>(n);
      const keys = this.memberKeys;
      for (let i = 0; i < n; i++) unchecked((out[i] = keys![i]));
      return out;
    }

    private find(key: string): i32 {
      const keys = this.memberKeys;
      if (keys === null) return -1;
      const n = this.memberCount;
      if (n <= INDEX_THRESHOLD) {
        if ((this.lengthMask & (1 << (key.length & 31))) == 0) return -1;
        for (let i = 0; i < n; i++) if (sameText(unchecked(keys[i]), key)) return i;
        return -1;
      }
      let index = this.index;
      if (index === null) {
        index = new Map<string, i32>();
        for (let i = 0; i < n; i++) index.set(unchecked(keys[i]), i);
        this.index = index;
      }
      return index.has(key) ? index.get(key) : -1;
    }

    /** True if this is an object with `key`. */
    has(key: string): bool {
      return this.find(key) >= 0;
    }

    /** The member `key` of an object, or null when absent or not an object. */
    get(key: string): Value | null {
      const at = this.find(key);
      return at >= 0 ? unchecked(this.memberValues![at]) : null;
    }

    /** The number at `key`, or `fallback` when absent or not a number. */
    getNumber(key: string, fallback: f64 = 0): f64 {
      const v = this.get(key);
      return v !== null ? v.asNumber(fallback) : fallback;
    }

    /** The integer at `key` (see `asInteger`), or `fallback` when absent or not a number. */
    getInteger(key: string, fallback: i64 = 0): i64 {
      const v = this.get(key);
      return v !== null ? v.asInteger(fallback) : fallback;
    }

    /** The string at `key`, or `fallback` when absent or not a string. */
    getString(key: string, fallback: string = ""): string {
      const v = this.get(key);
      return v !== null ? v.asString(fallback) : fallback;
    }

    /** The boolean at `key`, or `fallback` when absent or not a boolean. */
    getBool(key: string, fallback: bool = false): bool {
      const v = this.get(key);
      return v !== null ? v.asBool(fallback) : fallback;
    }

    /** The object at `key`, or null when absent or not an object. */
    getObject(key: string): Value | null {
      const v = this.get(key);
      return v !== null && v.kind == Kind.Object ? v : null;
    }

    /** The items of the array at `key`, or null when absent or not an array. */
    getArray(key: string): Array<Value> | null {
      const v = this.get(key);
      return v !== null ? v.items : null;
    }

    /**
     * Sets member `key` of an object and returns the object, for chaining.
     * `value` may be a string, a boolean, any number type, a `JSON.Value`,
     * an array of those, or null (for a nullable type). Setting an existing
     * key keeps its position. Traps if this is not an object.
     */
    set<T>(key: string, value: T): Value {
      return this.setValue(key, from<T>(value));
    }

    /** Sets member `key` of an object to `null`. */
    setNull(key: string): Value {
      return this.setValue(key, new Value(Kind.Null));
    }

    private setValue(key: string, value: Value): Value {
      let keys = this.memberKeys;
      let values = this.memberValues;
      if (keys === null || values === null) throw new Error("JSON: set() on a value that is not an object");
      const at = this.find(key);
      if (at >= 0) {
        unchecked((values[at] = value));
        return this;
      }
      const n = this.memberCount;
      if (n == keys.length) {
        keys = grown<string>(keys, n);
        values = grown<Value>(values, n);
        this.memberKeys = keys;
        this.memberValues = values;
      }
      const index = this.index;
      if (index !== null) index.set(key, n);
      unchecked((keys[n] = key));
      unchecked((values[n] = value));
      this.memberCount = n + 1;
      this.lengthMask |= 1 << (key.length & 31);
      return this;
    }

    /** Removes member `key` of an object; true if it was there. */
    remove(key: string): bool {
      const at = this.find(key);
      if (at < 0) return false;
      const n = this.memberCount - 1;
      for (let i = at; i < n; i++) {
        unchecked((this.memberKeys![i] = this.memberKeys![i + 1]));
        unchecked((this.memberValues![i] = this.memberValues![i + 1]));
      }
      this.memberCount = n;
      this.index = null;
      return true;
    }

    /** Appends an item to an array and returns the array, for chaining (same types as `set`). */
    push<T>(value: T): Value {
      const items = this.items;
      if (items === null) throw new Error("JSON: push() on a value that is not an array");
      items.push(from<T>(value));
      return this;
    }

    /** Appends `null` to an array. */
    pushNull(): Value {
      return this.push<Value>(new Value(Kind.Null));
    }

    /** The value as compact JSON text, exactly as `JSON.stringify` would write it. */
    toString(): string {
      const out = new Writer();
      this.write(out);
      return out.toString();
    }

    private write(out: Writer): void {
      switch (this.kind) {
        case Kind.Null:
          out.text("null");
          break;
        case Kind.Bool:
          out.text(this.b ? "true" : "false");
          break;
        case Kind.Number:
          out.units(NUMBER_TEXT, this.exactInt ? formatIntegerInto(this.int) : formatNumberInto(this.num));
          break;
        case Kind.String:
          writeString(out, this.str);
          break;
        case Kind.Array: {
          const items = this.items!;
          out.char(0x5b); // [
          for (let i = 0, n = items.length; i < n; i++) {
            if (i > 0) out.char(0x2c); // ,
            unchecked(items[i]).write(out);
          }
          out.char(0x5d); // ]
          break;
        }
        default: {
          const keys = this.memberKeys!;
          const values = this.memberValues!;
          out.char(0x7b); // {
          for (let i = 0, n = this.memberCount; i < n; i++) {
            if (i > 0) out.char(0x2c);
            writeString(out, unchecked(keys[i]));
            out.char(0x3a); // :
            unchecked(values[i]).write(out);
          }
          out.char(0x7d); // }
        }
      }
    }
  }

  /** A new, empty object, to fill with `set`. */
  export function object(): Value {
    return Value.blank(Kind.Object);
  }

  /** A new, empty array, to fill with `push`. */
  export function array(): Value {
    return new Value(Kind.Array);
  }

  /** The JSON `null` value. */
  export function nullValue(): Value {
    return new Value(Kind.Null);
  }

  /**
   * Converts an AssemblyScript value to a `JSON.Value`: strings, booleans,
   * every number type (integers stay exact), `JSON.Value` itself (as is),
   * arrays of those, and null for a null reference.
   */
  export function from<T>(value: T): Value {
    if (isBoolean<T>()) {
      return Value.ofBool(<bool>value);
    } else if (isInteger<T>()) {
      // u64 beyond i64 range can only be approximated
      if (!isSigned<T>() && sizeof<T>() == 8 && <u64>value > <u64>i64.MAX_VALUE) return Value.ofNumber(<f64>value);
      return Value.ofInteger(<i64>value);
    } else if (isFloat<T>()) {
      return Value.ofNumber(<f64>value);
    } else if (isReference<T>()) {
      if (isNullable<T>()) {
        if (value === null) return new Value(Kind.Null);
      }
      if (isString<T>()) {
        return Value.ofString(changetype<string>(value));
      } else if (isArray<T>()) {
        const list = new Value(Kind.Array);
        // @ts-ignore: T is an array here
        for (let i = 0, n = value.length; i < n; i++) {
          // @ts-ignore: T is an array here
          list.push<valueof<T>>(value[i]);
        }
        return list;
      } else if (changetype<NonNullable<T>>(value) instanceof Value) {
        return changetype<Value>(value);
      }
    }
    ERROR("JSON.from / set / push / host.call: unsupported value type; use a string, a boolean, a number, a JSON.Value or an array of those");
    return new Value(Kind.Null);
  }

  /** The outcome of `tryParse`: the value, or why the text is not JSON. */
  export class ParseResult {
    /** The parsed value; JSON `null` when parsing failed. */
    value: Value;
    /** Why parsing failed, with the position; empty on success. */
    error: string;
    /** The 0-based position (UTF-16 code unit) where parsing failed; -1 on success. */
    position: i32;

    constructor(value: Value, error: string, position: i32) {
      this.value = value;
      this.error = error;
      this.position = position;
    }

    /** True when the text was valid JSON. */
    get ok(): bool {
      return this.position < 0;
    }
  }

  /** Parses JSON text; traps (logging the reason) if it is not valid JSON. Use `tryParse` for untrusted text. */
  export function parse(text: string): Value {
    const result = tryParse(text);
    if (!result.ok) throw new Error(result.error);
    return result.value;
  }

  /** Parses JSON text, reporting invalid JSON in the result instead of trapping. */
  export function tryParse(text: string): ParseResult {
    const parser = new Parser(text);
    parser.skipSpace();
    const value = parser.parseValue();
    if (value !== null) {
      parser.skipSpace();
      if (parser.pos >= parser.len) {
        // from the arena: the success path allocates nothing through the runtime
        const result = changetype<ParseResult>(arenaNew(offsetof<ParseResult>(), idof<ParseResult>()));
        result.value = value;
        result.error = "";
        result.position = -1;
        return result;
      }
      parser.fail("unexpected character after the JSON value");
    }
    return new ParseResult(new Value(Kind.Null), "invalid JSON: " + parser.error + " at position " + parser.errorAt.toString(), parser.errorAt);
  }

  /** The value as compact JSON text; same as `value.toString()`. */
  export function stringify(value: Value): string {
    return value.toString();
  }

  class Parser {
    text: string;
    base: usize;
    len: i32;
    pos: i32 = 0;
    depth: i32 = 0;
    error: string = "";
    errorAt: i32 = -1;

    constructor(text: string) {
      this.text = text;
      this.base = changetype<usize>(text);
      this.len = text.length;
    }

    // @ts-ignore: decorator
    @inline
    peek(): i32 {
      return this.pos < this.len ? <i32>load<u16>(this.base + (<usize>this.pos << 1)) : -1;
    }

    fail(reason: string): Value | null {
      if (this.errorAt < 0) {
        this.error = reason;
        this.errorAt = this.pos;
      }
      return null;
    }

    unexpected(): Value | null {
      const c = this.peek();
      if (c < 0) return this.fail("unexpected end of input");
      return this.fail("unexpected character '" + String.fromCharCode(c) + "'");
    }

    // Loops keep the position in locals: a field costs a load and a store per character.
    skipSpace(): void {
      const base = this.base;
      const len = this.len;
      let p = this.pos;
      while (p < len) {
        const c = <i32>load<u16>(base + (<usize>p << 1));
        if (c > 0x20 || (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09)) break;
        p++;
      }
      this.pos = p;
    }

    parseValue(): Value | null {
      const c = this.peek();
      if (c == QUOTE) {
        const s = this.parseString();
        // compared as a pointer: `!==` on strings would call String.__eq
        return changetype<usize>(s) != 0 ? Value.ofString(changetype<string>(s)) : null;
      }
      if (c == 0x7b) return this.parseObject();
      if (c == 0x5b) return this.parseArray();
      if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
      if (c == 0x74) return this.literal("true") ? Value.ofBool(true) : null;
      if (c == 0x66) return this.literal("false") ? Value.ofBool(false) : null;
      if (c == 0x6e) return this.literal("null") ? new Value(Kind.Null) : null;
      return this.unexpected();
    }

    literal(word: string): bool {
      const n = word.length;
      for (let i = 0; i < n; i++) {
        if (this.peek() != word.charCodeAt(i)) {
          this.unexpected();
          return false;
        }
        this.pos++;
      }
      return true;
    }

    enter(): bool {
      if (++this.depth > MAX_DEPTH) {
        this.fail("nesting deeper than " + MAX_DEPTH.toString() + " levels");
        return false;
      }
      return true;
    }

    parseArray(): Value | null {
      if (!this.enter()) return null;
      this.pos++; // [
      const list = new Value(Kind.Array);
      const items = list.asArray();
      this.skipSpace();
      if (this.peek() == 0x5d) {
        this.pos++;
        this.depth--;
        return list;
      }
      while (true) {
        this.skipSpace();
        const item = this.parseValue();
        if (item === null) return null;
        items.push(item);
        this.skipSpace();
        const c = this.peek();
        if (c == 0x2c) {
          this.pos++;
          continue;
        }
        if (c == 0x5d) {
          this.pos++;
          break;
        }
        return c < 0 ? this.unexpected() : this.fail("expected ',' or ']'");
      }
      this.depth--;
      return list;
    }

    parseObject(): Value | null {
      if (!this.enter()) return null;
      this.pos++; // {
      const obj = Value.blank(Kind.Object);
      this.skipSpace();
      if (this.peek() == 0x7d) {
        this.pos++;
        this.depth--;
        return obj;
      }
      while (true) {
        this.skipSpace();
        if (this.peek() != QUOTE) return this.peek() < 0 ? this.unexpected() : this.fail("expected a string key");
        const key = this.parseString();
        if (changetype<usize>(key) == 0) return null;
        this.skipSpace();
        if (this.peek() != 0x3a) return this.peek() < 0 ? this.unexpected() : this.fail("expected ':'");
        this.pos++;
        this.skipSpace();
        const member = this.parseValue();
        if (member === null) return null;
        obj.set<Value>(changetype<string>(key), member);
        this.skipSpace();
        const c = this.peek();
        if (c == 0x2c) {
          this.pos++;
          continue;
        }
        if (c == 0x7d) {
          this.pos++;
          break;
        }
        return c < 0 ? this.unexpected() : this.fail("expected ',' or '}'");
      }
      this.depth--;
      return obj;
    }

    /** Parses a string literal at `pos` (on the opening quote). */
    parseString(): string | null {
      const base = this.base;
      const len = this.len;
      const start = this.pos + 1; // past the quote
      // Fast path: no escapes.
      let p = start;
      // whole words of four plain code units pass at once; the lowest flagged lane is exact
      while (p + 4 <= len) {
        const flags = anyStringSpecial(load<u64>(base + (<usize>p << 1)));
        if (flags != 0) {
          p += <i32>(ctz(flags) >> 4);
          break;
        }
        p += 4;
      }
      while (p < len) {
        const c = <i32>load<u16>(base + (<usize>p << 1));
        if (c == QUOTE) {
          const bytes = <usize>(p - start) << 1;
          const s = arenaNew(bytes, idof<string>());
          memory.copy(s, base + (<usize>start << 1), bytes);
          this.pos = p + 1;
          return changetype<string>(s);
        }
        if (c == BACKSLASH || c < 0x20) break;
        p++;
      }
      this.pos = p;
      const out = new Writer();
      out.slice(this.text, start, this.pos);
      while (true) {
        if (this.pos >= this.len) {
          this.fail("unterminated string");
          return null;
        }
        const c = <i32>load<u16>(this.base + (<usize>this.pos << 1));
        if (c == QUOTE) {
          this.pos++;
          return out.toString();
        }
        if (c < 0x20) {
          this.fail("unescaped control character in string");
          return null;
        }
        if (c != BACKSLASH) {
          out.char(c);
          this.pos++;
          continue;
        }
        this.pos++;
        const e = this.peek();
        if (e == QUOTE || e == BACKSLASH || e == 0x2f) out.char(e);
        else if (e == 0x62) out.char(0x08);
        else if (e == 0x66) out.char(0x0c);
        else if (e == 0x6e) out.char(0x0a);
        else if (e == 0x72) out.char(0x0d);
        else if (e == 0x74) out.char(0x09);
        else if (e == 0x75) {
          let code = 0;
          for (let i = 0; i < 4; i++) {
            this.pos++;
            const h = this.peek();
            let d: i32;
            if (h >= 0x30 && h <= 0x39) d = h - 0x30;
            else if (h >= 0x61 && h <= 0x66) d = h - 0x61 + 10;
            else if (h >= 0x41 && h <= 0x46) d = h - 0x41 + 10;
            else {
              this.fail("invalid \\u escape");
              return null;
            }
            code = (code << 4) | d;
          }
          // UTF-16 code units map one to one: surrogate pairs join by themselves.
          out.char(code);
        } else {
          this.fail("invalid escape");
          return null;
        }
        this.pos++;
      }
    }

    /**
     * Parses a number at `pos`. The common shapes take one pass: an integer
     * of at most 18 digits (exact), or a decimal whose digits make an integer
     * m ≤ 2^53 scaled by 10^e with |e| ≤ 22, which Clinger's fast path rounds
     * exactly with one multiply or divide. Anything else (longer mantissas,
     * large exponents, malformed text) is parsed again by `parseNumberSlow`.
     */
    parseNumber(): Value | null {
      const start = this.pos;
      const base = this.base;
      const end = this.len;
      let p = start;
      let c = <i32>load<u16>(base + (<usize>p << 1));
      const negative = c == 0x2d;
      if (negative) {
        if (++p >= end) return this.parseNumberSlow(start);
        c = <i32>load<u16>(base + (<usize>p << 1));
      }
      let mantissa: u64 = 0;
      let digits = 0;
      if (c == 0x30) {
        p++;
      } else {
        while (<u32>(c - 0x30) < 10) {
          mantissa = mantissa * 10 + <u64>(c - 0x30);
          digits++;
          if (++p >= end) break;
          c = <i32>load<u16>(base + (<usize>p << 1));
        }
        if (digits == 0) return this.parseNumberSlow(start);
      }
      c = p < end ? <i32>load<u16>(base + (<usize>p << 1)) : -1;
      if (<u32>(c - 0x30) < 10) return this.parseNumberSlow(start); // a leading zero
      if (c != 0x2e && c != 0x65 && c != 0x45) {
        if (digits > 18) return this.parseNumberSlow(start);
        this.pos = p;
        if (negative) return mantissa == 0 ? Value.ofNumber(-0.0) : Value.ofInteger(-(<i64>mantissa));
        return Value.ofInteger(<i64>mantissa);
      }
      let scale = 0;
      if (c == 0x2e) {
        const first = ++p;
        while (p < end) {
          c = <i32>load<u16>(base + (<usize>p << 1));
          if (<u32>(c - 0x30) >= 10) break;
          mantissa = mantissa * 10 + <u64>(c - 0x30);
          if (mantissa != 0) digits++;
          p++;
        }
        if (p == first) return this.parseNumberSlow(start);
        scale = first - p;
        c = p < end ? <i32>load<u16>(base + (<usize>p << 1)) : -1;
      }
      if (c == 0x65 || c == 0x45) {
        if (++p >= end) return this.parseNumberSlow(start);
        c = <i32>load<u16>(base + (<usize>p << 1));
        const expNegative = c == 0x2d;
        if (c == 0x2b || c == 0x2d) {
          if (++p >= end) return this.parseNumberSlow(start);
          c = <i32>load<u16>(base + (<usize>p << 1));
        }
        let exponent = 0;
        const first = p;
        while (<u32>(c - 0x30) < 10) {
          if (exponent < 10000) exponent = exponent * 10 + (c - 0x30);
          if (++p >= end) break;
          c = <i32>load<u16>(base + (<usize>p << 1));
        }
        if (p == first) return this.parseNumberSlow(start);
        scale += expNegative ? -exponent : exponent;
      }
      // 19 digits always fit a u64; 2^53 and 10^22 are the bounds of exact doubles.
      if (digits > 19 || mantissa > <u64>9007199254740992 || scale < -22 || scale > 22) {
        return this.parseNumberSlow(start);
      }
      this.pos = p;
      let value = <f64>mantissa;
      if (scale < 0) value /= unchecked(EXACT_POW10[-scale]);
      else value *= unchecked(EXACT_POW10[scale]);
      return Value.ofNumber(negative ? -value : value);
    }

    /** The general number parser, from `start`: exact for any literal, and the source of syntax errors. */
    parseNumberSlow(start: i32): Value | null {
      this.pos = start;
      let negative = false;
      if (this.peek() == 0x2d) {
        negative = true;
        this.pos++;
      }
      let c = this.peek();
      if (c < 0x30 || c > 0x39) return this.unexpected();
      // Integer part; accumulate as a negative u64 magnitude check below.
      let magnitude: u64 = 0;
      let overflow = false;
      if (c == 0x30) {
        this.pos++;
        c = this.peek();
        if (c >= 0x30 && c <= 0x39) return this.fail("leading zero in number");
      } else {
        while (c >= 0x30 && c <= 0x39) {
          const d = <u64>(c - 0x30);
          if (magnitude > (u64.MAX_VALUE - d) / 10) overflow = true;
          else magnitude = magnitude * 10 + d;
          this.pos++;
          c = this.peek();
        }
      }
      let integral = true;
      if (c == 0x2e) {
        integral = false;
        this.pos++;
        c = this.peek();
        if (c < 0x30 || c > 0x39) return c < 0 ? this.unexpected() : this.fail("expected a digit after '.'");
        while (c >= 0x30 && c <= 0x39) {
          this.pos++;
          c = this.peek();
        }
      }
      if (c == 0x65 || c == 0x45) {
        integral = false;
        this.pos++;
        c = this.peek();
        if (c == 0x2b || c == 0x2d) {
          this.pos++;
          c = this.peek();
        }
        if (c < 0x30 || c > 0x39) return c < 0 ? this.unexpected() : this.fail("expected a digit in the exponent");
        while (c >= 0x30 && c <= 0x39) {
          this.pos++;
          c = this.peek();
        }
      }
      if (integral && !overflow) {
        if (negative && magnitude == 0) return Value.ofNumber(-0.0);
        if (!negative && magnitude <= <u64>i64.MAX_VALUE) return Value.ofInteger(<i64>magnitude);
        if (negative && magnitude <= <u64>i64.MAX_VALUE + 1) return Value.ofInteger(-<i64>magnitude);
      }
      return Value.ofNumber(parseDecimal(this.text, start, this.pos));
    }
  }
}
