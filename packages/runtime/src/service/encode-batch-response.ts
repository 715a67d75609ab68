import type {
  GuestLogLine,
  InvocationStats,
  InvokeExtensionBatchResponse,
  InvokeExtensionResponse,
} from "@ameide-ext/proto";
import type { WireType } from "@bufbuild/protobuf/wire";

/**
 * Protobuf binary encoding of InvokeExtensionBatchResponse by hand: the
 * bytes protobuf-es's `toBinary` writes (a test compares them on random
 * responses), without its per-field reflection, in about a quarter of its
 * time for a 500-result batch.
 *
 * Fields are written in field-number order, proto3 defaults (empty, zero)
 * left out, `stats` written whenever set (even empty), as `toBinary` does.
 */

/** Wire type of varints. */
const VARINT = 0;
/** Wire type of length-delimited fields (bytes, strings, messages). */
const LEN = 2;

const encoder = new TextEncoder();

/** A growing byte buffer written front to back. */
interface Out {
  buf: Uint8Array;
  pos: number;
}

function ensure(out: Out, more: number): void {
  if (out.pos + more <= out.buf.length) return;
  const next = new Uint8Array(Math.max(out.buf.length * 2, out.pos + more));
  next.set(out.buf.subarray(0, out.pos));
  out.buf = next;
}

/** Bytes of `n` (≥ 0, a safe integer) as a varint. */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Out, n: number): void {
  ensure(out, 10);
  const { buf } = out;
  while (n >= 0x80) {
    buf[out.pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[out.pos++] = n;
}

/** Writes `n` as a varint at `pos`, in room already made. */
function putVarint(buf: Uint8Array, pos: number, n: number): void {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos] = n;
}

/** An unsigned 64-bit or negative 32-bit value (enums, int32) as protobuf writes it: two's complement, 64 bits. */
function writeBigVarint(out: Out, v: bigint): void {
  let n = BigInt.asUintN(64, v);
  ensure(out, 10);
  while (n >= 0x80n) {
    out.buf[out.pos++] = Number(n & 0x7fn) | 0x80;
    n >>= 7n;
  }
  out.buf[out.pos++] = Number(n);
}

function bigVarintSize(v: bigint): number {
  let n = BigInt.asUintN(64, v);
  let size = 1;
  while (n >= 0x80n) {
    n >>= 7n;
    size++;
  }
  return size;
}

const tag = (field: number, wireType: number) => (field << 3) | wireType;

/** A uint64 field (BigInt), left out when zero. */
function uint64Field(out: Out, field: number, v: bigint): void {
  if (v === 0n) return;
  writeVarint(out, tag(field, VARINT));
  if (v <= 0x1fffffffffffffn && v > 0n) writeVarint(out, Number(v));
  else writeBigVarint(out, v);
}

function uint64FieldSize(field: number, v: bigint): number {
  if (v === 0n) return 0;
  return (
    varintSize(tag(field, VARINT)) +
    (v <= 0x1fffffffffffffn && v > 0n ? varintSize(Number(v)) : bigVarintSize(v))
  );
}

/** An int32 or enum field, left out when zero; negative values take ten bytes, as protobuf's. */
function int32Field(out: Out, field: number, v: number): void {
  if (v === 0) return;
  writeVarint(out, tag(field, VARINT));
  if (v > 0) writeVarint(out, v);
  else writeBigVarint(out, BigInt(v));
}

function int32FieldSize(field: number, v: number): number {
  if (v === 0) return 0;
  return varintSize(tag(field, VARINT)) + (v > 0 ? varintSize(v) : 10);
}

function bytesField(out: Out, field: number, v: Uint8Array): void {
  if (v.length === 0) return;
  writeVarint(out, tag(field, LEN));
  writeVarint(out, v.length);
  ensure(out, v.length);
  out.buf.set(v, out.pos);
  out.pos += v.length;
}

function stringField(out: Out, field: number, v: string): void {
  if (v === "") return;
  writeVarint(out, tag(field, LEN));
  writeVarint(out, Buffer.byteLength(v, "utf8"));
  writeUtf8(out, v);
}

function writeUtf8(out: Out, v: string): void {
  ensure(out, v.length * 3);
  out.pos += encoder.encodeInto(v, out.buf.subarray(out.pos)).written;
}

function stringFieldSize(field: number, v: string): number {
  if (v === "") return 0;
  const n = Buffer.byteLength(v, "utf8");
  return varintSize(tag(field, LEN)) + varintSize(n) + n;
}

/** A uint64 as a number when it is below 2^31 (the stats of a run, in practice); -1 otherwise. */
function exact(v: bigint): number {
  const n = Number(v);
  return n >= 0 && n <= 0x7fffffff && Number.isInteger(n) ? n : -1;
}

/** A uint64 field already read as a number, left out when zero. */
function numberField(out: Out, field: number, n: number): void {
  if (n === 0) return;
  writeVarint(out, tag(field, VARINT));
  writeVarint(out, n);
}

const numberFieldSize = (n: number) => (n === 0 ? 0 : 1 + varintSize(n));

function writeStats(out: Out, s: InvocationStats): void {
  writeVarint(out, tag(7, LEN));
  const fuelUsed = exact(s.fuelUsed);
  const fuelLimit = exact(s.fuelLimit);
  const peakMemory = exact(s.peakMemoryBytes);
  const memoryLimit = exact(s.memoryLimitBytes);
  const duration = exact(s.durationUs);
  const outputBytes = exact(s.outputBytes);
  const hostCalls = s.hostCalls >>> 0;
  const hostCallsSize = hostCalls === 0 ? 0 : 1 + varintSize(hostCalls);
  if ((fuelUsed | fuelLimit | peakMemory | memoryLimit | duration | outputBytes) < 0) {
    // A value past 2^31 or not exact as a number: the general path, BigInt (|'s operands are int32).
    writeVarint(
      out,
      uint64FieldSize(1, s.fuelUsed) +
        uint64FieldSize(2, s.fuelLimit) +
        uint64FieldSize(3, s.peakMemoryBytes) +
        uint64FieldSize(4, s.memoryLimitBytes) +
        uint64FieldSize(5, s.durationUs) +
        uint64FieldSize(6, s.outputBytes) +
        hostCallsSize,
    );
    uint64Field(out, 1, s.fuelUsed);
    uint64Field(out, 2, s.fuelLimit);
    uint64Field(out, 3, s.peakMemoryBytes);
    uint64Field(out, 4, s.memoryLimitBytes);
    uint64Field(out, 5, s.durationUs);
    uint64Field(out, 6, s.outputBytes);
  } else {
    writeVarint(
      out,
      numberFieldSize(fuelUsed) +
        numberFieldSize(fuelLimit) +
        numberFieldSize(peakMemory) +
        numberFieldSize(memoryLimit) +
        numberFieldSize(duration) +
        numberFieldSize(outputBytes) +
        hostCallsSize,
    );
    numberField(out, 1, fuelUsed);
    numberField(out, 2, fuelLimit);
    numberField(out, 3, peakMemory);
    numberField(out, 4, memoryLimit);
    numberField(out, 5, duration);
    numberField(out, 6, outputBytes);
  }
  if (hostCalls !== 0) {
    writeVarint(out, tag(7, VARINT));
    writeVarint(out, hostCalls);
  }
}

function writeLog(out: Out, line: GuestLogLine): void {
  writeVarint(out, tag(8, LEN));
  writeVarint(out, int32FieldSize(1, line.level) + stringFieldSize(2, line.message));
  int32Field(out, 1, line.level);
  stringField(out, 2, line.message);
}

/** Writes one InvokeExtensionResponse's fields (no tag, no length: the message's own bytes). */
function writeResponse(out: Out, r: InvokeExtensionResponse): void {
  bytesField(out, 1, r.outputJson);
  stringField(out, 2, r.errorCode);
  stringField(out, 3, r.errorMsg);
  int32Field(out, 4, r.outcome);
  stringField(out, 5, r.errorReason);
  stringField(out, 6, r.resolvedVersion);
  if (r.stats) writeStats(out, r.stats);
  for (const line of r.logs) writeLog(out, line);
  bytesField(out, 9, r.errorDetailsJson);
  stringField(out, 10, r.moduleSha256);
}

/** Writes one result: field 1, length-delimited, its length written once the message is. */
function resultField(out: Out, r: InvokeExtensionResponse): void {
  writeVarint(out, tag(1, LEN));
  // Room for the length: a 5-byte varint fits any message under 4 GiB.
  ensure(out, 5);
  const lengthAt = out.pos;
  out.pos += 5;
  writeResponse(out, r);
  const length = out.pos - lengthAt - 5;
  const lengthSize = varintSize(length);
  // The message moves back against its length when the length takes fewer than 5 bytes.
  if (lengthSize < 5) out.buf.copyWithin(lengthAt + lengthSize, lengthAt + 5, out.pos);
  out.pos -= 5 - lengthSize;
  putVarint(out.buf, lengthAt, length);
}

/** The protobuf binary encoding of `res`: the bytes of `toBinary(InvokeExtensionBatchResponseSchema, res)`. */
export function encodeBatchResponse(res: InvokeExtensionBatchResponse): Uint8Array {
  const out: Out = { buf: new Uint8Array(res.results.length * 192 + 256), pos: 0 };
  for (const r of res.results) resultField(out, r);
  stringField(out, 2, res.resolvedVersion);
  stringField(out, 3, res.moduleSha256);
  return out.buf.subarray(0, out.pos);
}

/**
 * A batch response whose `toBinary` writes exactly `bytes` (a message's
 * encoding, as {@link encodeBatchResponse} gives it), for Connect to send as
 * is: its fields are left empty and the bytes ride as one unknown field,
 * which protobuf-es writes back verbatim (its tag, then its data: here the
 * rest of the bytes, all fields after the first tag). Only for the binary
 * wire: a JSON encoding drops unknown fields, and in-process callers read
 * the fields.
 */
export function preEncoded(bytes: Uint8Array): InvokeExtensionBatchResponse {
  const res: InvokeExtensionBatchResponse = {
    $typeName: "ameide.extensions.v1.InvokeExtensionBatchResponse",
    results: [],
    resolvedVersion: "",
    moduleSha256: "",
  };
  if (bytes.length === 0) return res;
  // Every tag of this message is one byte (field numbers under 16).
  const first = bytes[0] as number;
  if (first >= 0x80)
    throw new Error(`preEncoded: a first tag of more than one byte (${first}) is not one of this message's`);
  res.$unknown = [{ no: first >>> 3, wireType: (first & 7) as WireType, data: bytes.subarray(1) }];
  return res;
}
