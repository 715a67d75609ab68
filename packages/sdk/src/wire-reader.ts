import { ExtensionError } from "@ameide-ext/contract";

/**
 * A protobuf binary reader over one message's bytes, for the SDK's decoder
 * of the runtime's answers (read-answer.ts): varints, lengths, fixed 64-bit
 * doubles and skipping. Everything it reads is checked against the end of
 * the bytes; a malformed answer throws `internal / invalid_output`, never
 * reads past the end and never loops.
 */
export interface WireReader {
  readonly buf: Uint8Array;
  pos: number;
}

/** Wire types (protobuf encoding). */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const SGROUP = 3;
export const EGROUP = 4;
export const I32 = 5;

const TWO_32 = 4294967296;

/** Throws the error every malformed answer gets, saying what was wrong and where. */
export function malformed(what: string, at: number): never {
  throw new ExtensionError(
    "internal",
    `the runtime's answer is not a valid protobuf message of its kind: ${what} at byte ${at}`,
    "invalid_output",
  );
}

/** Reads a varint of up to 64 bits; returns its low 32 bits (unsigned) and sets `high` to the next 32. */
function varint64(r: WireReader, high: { value: number }): number {
  const { buf } = r;
  let lo = 0;
  let hi = 0;
  let shift = 0;
  const start = r.pos;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= buf.length) malformed("a varint cut short", start);
    const b = buf[r.pos++] as number;
    if (shift < 28) lo |= (b & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >> 4;
    } else hi |= (b & 0x7f) << (shift - 32);
    if (b < 0x80) {
      high.value = hi >>> 0;
      return lo >>> 0;
    }
    shift += 7;
  }
  return malformed("a varint longer than 10 bytes", start);
}

const scratchHigh = { value: 0 };

/** A varint's low 32 bits, unsigned (a tag, a length, a uint32). */
export function uint32(r: WireReader): number {
  const { buf } = r;
  const b = buf[r.pos];
  if (b !== undefined && b < 0x80) {
    r.pos++;
    return b;
  }
  return varint64(r, scratchHigh);
}

/** A field's tag: its number (≥ 1) shifted left 3, or'd with its wire type. */
export function readTag(r: WireReader): number {
  const at = r.pos;
  const tag = uint32(r);
  if (tag >>> 3 === 0) malformed("a field numbered 0", at);
  return tag;
}

/** A varint read as int32 (an enum): its low 32 bits, signed. */
export function int32(r: WireReader): number {
  return uint32(r) | 0;
}

/** A uint64 varint as a number: exact below 2^53, rounded to the nearest double above, as Number(bigint) is. */
export function uint64(r: WireReader): number {
  const lo = varint64(r, scratchHigh);
  const hi = scratchHigh.value;
  return hi === 0 ? lo : hi < 0x200000 ? hi * TWO_32 + lo : Number((BigInt(hi) << 32n) | BigInt(lo));
}

/** A little-endian double (wire type I64). */
export function double(r: WireReader, view: DataView): number {
  if (r.pos + 8 > r.buf.length) malformed("a double cut short", r.pos);
  const v = view.getFloat64(r.pos, true);
  r.pos += 8;
  return v;
}

/** A length prefix; returns where the field's bytes end, checked against `end`. */
export function lengthEnd(r: WireReader, end: number): number {
  const at = r.pos;
  const len = uint32(r);
  if (len > end - r.pos) malformed(`a length of ${len} past the end`, at);
  return r.pos + len;
}

/** How deep groups may nest in a skipped field (protobuf's own decoders cap recursion too). */
const MAX_GROUP_DEPTH = 32;

/** Skips one field of `wireType` whose tag was just read; `end` bounds it. */
export function skipField(r: WireReader, wireType: number, field: number, end: number, depth = 0): void {
  const at = r.pos;
  switch (wireType) {
    case VARINT:
      varint64(r, scratchHigh);
      break;
    case I64:
      r.pos += 8;
      break;
    case I32:
      r.pos += 4;
      break;
    case LEN:
      r.pos = lengthEnd(r, end);
      break;
    case SGROUP:
      if (depth >= MAX_GROUP_DEPTH) malformed(`groups nested over ${MAX_GROUP_DEPTH} deep`, at);
      skipGroup(r, field, end, depth + 1);
      break;
    default:
      malformed(`wire type ${wireType} of field ${field}`, at);
  }
  if (r.pos > end) malformed(`field ${field} cut short`, at);
}

/** Skips a group's fields up to its end-group tag for `field`. */
function skipGroup(r: WireReader, field: number, end: number, depth: number): void {
  while (r.pos < end) {
    const tag = readTag(r);
    if ((tag & 7) === EGROUP) {
      if (tag >>> 3 !== field) malformed(`a group of field ${field} ended by field ${tag >>> 3}`, r.pos);
      return;
    }
    skipField(r, tag & 7, tag >>> 3, end, depth);
  }
  malformed(`a group of field ${field} not ended`, r.pos);
}
