import { endianness } from "node:os";
import type { ExtensionError } from "@ameide-ext/contract";
import { type InvokeExtensionBatchResponse, LogLevel, Outcome } from "@ameide-ext/proto";
import type { WireType } from "@bufbuild/protobuf/wire";
import type { GuestLogLine, InvocationResult } from "../engine/types.js";
import { type BatchAnswer, refusedAt, resultAt, statColumns } from "./batch-response.js";

/**
 * Protobuf binary encoding of a batch's InvokeExtensionBatchResponse by
 * hand, from its items: the bytes protobuf-es's `toBinary` writes for
 * batchResponse(answer) (a test compares them on random batches), without
 * the 500 response objects, their stats and BigInts, nor toBinary's
 * per-field reflection.
 *
 * Fields are written in field-number order, proto3 defaults (empty, zero)
 * left out, `stats` written whenever set (even empty), as `toBinary` does.
 */

/** Wire type of varints. */
const VARINT = 0;
/** Wire type of length-delimited fields (bytes, strings, messages). */
const LEN = 2;

/** A growing byte buffer written front to back. */
interface Out {
  /** A Buffer: strings are written into it in place (Buffer.write), with no view made per string. */
  buf: Buffer;
  pos: number;
}

function ensure(out: Out, more: number): void {
  if (out.pos + more <= out.buf.length) return;
  const next = Buffer.alloc(Math.max(out.buf.length * 2, out.pos + more));
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

const tag = (field: number, wireType: number) => (field << 3) | wireType;

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

/** Buffer's own string writers (what Buffer.write calls, without its argument parsing): bytes written. */
const latin1Write = Buffer.prototype.latin1Write as (this: Buffer, s: string, offset: number) => number;
const utf8Write = Buffer.prototype.utf8Write as (this: Buffer, s: string, offset: number) => number;

/**
 * Writes `v`, whose UTF-8 length is `n`, at the end of `out` (room made): latin1 where every character is
 * ASCII (as many UTF-8 bytes as UTF-16 units), a copy where utf8 encodes each (JSON outputs are ASCII as
 * a rule).
 */
function writeString(out: Out, v: string, n: number): void {
  ensure(out, n);
  out.pos += n === v.length ? latin1Write.call(out.buf, v, out.pos) : utf8Write.call(out.buf, v, out.pos);
}

function stringField(out: Out, field: number, v: string): void {
  if (v === "") return;
  writeVarint(out, tag(field, LEN));
  const n = Buffer.byteLength(v, "utf8");
  writeVarint(out, n);
  writeString(out, v, n);
}

function stringFieldSize(field: number, v: string): number {
  if (v === "") return 0;
  const n = Buffer.byteLength(v, "utf8");
  return varintSize(tag(field, LEN)) + varintSize(n) + n;
}

/** True where a Float64Array's bytes are little-endian doubles, as protobuf writes them (every platform Node runs on but s390x). */
const LITTLE_ENDIAN = endianness() === "LE";

/**
 * Writes a BatchStats list as packed (runtime.proto): its values as doubles
 * (little-endian: the array's own bytes, copied at once where the platform
 * is), or, for `host_calls`, as uint32 varints; nothing when it is empty.
 */
function packedField(out: Out, field: number, values: Float64Array, asDouble: boolean): void {
  if (values.length === 0) return;
  let size = 0;
  if (asDouble) size = values.length * 8;
  else for (const v of values) size += varintSize(v);
  writeVarint(out, tag(field, LEN));
  writeVarint(out, size);
  ensure(out, size);
  if (!asDouble) for (const v of values) writeVarint(out, v);
  else if (LITTLE_ENDIAN) {
    out.buf.set(new Uint8Array(values.buffer, values.byteOffset, size), out.pos);
    out.pos += size;
  } else for (const v of values) out.pos = out.buf.writeDoubleLE(v, out.pos);
}

/** Writes the batch's stats, field 4: each column of BatchStats, as batchResponse gives them. */
function statsField(out: Out, a: BatchAnswer): void {
  const columns = statColumns(a);
  let size = 0;
  for (const { field, values } of columns) {
    if (values.length === 0) continue;
    let bytes = 0;
    if (field === 7) for (const v of values) bytes += varintSize(v);
    else bytes = values.length * 8;
    size += varintSize(tag(field, LEN)) + varintSize(bytes) + bytes;
  }
  writeVarint(out, tag(4, LEN));
  writeVarint(out, size);
  for (const { field, values } of columns) packedField(out, field, values, field !== 7);
}

const LEVELS: Readonly<Record<string, number>> = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

function writeLog(out: Out, line: GuestLogLine): void {
  const level = LEVELS[line.level] ?? LogLevel.UNSPECIFIED;
  writeVarint(out, tag(8, LEN));
  writeVarint(out, int32FieldSize(1, level) + stringFieldSize(2, line.message));
  int32Field(out, 1, level);
  stringField(out, 2, line.message);
}

const OUTCOMES = {
  ok: Outcome.OK,
  business_error: Outcome.BUSINESS_ERROR,
  technical_error: Outcome.TECHNICAL_ERROR,
} as const;

/**
 * Writes the fields of a run's answer, as responseFromResult builds it for a
 * batch: the output (ok), the guest's code, message and details (business
 * error) or the engine's code, message and reason (technical error); logs;
 * no stats (the batch's BatchStats carries them).
 */
function writeResult(out: Out, r: InvocationResult): void {
  let code = "";
  let message = "";
  let reason = "";
  let details: string | undefined;
  if (r.outcome === "ok") {
    if (r.output !== undefined) stringField(out, 1, r.output);
  } else if (r.outcome === "business_error" && r.businessError) {
    ({ code, message } = r.businessError);
    if (r.businessError.details !== undefined) details = JSON.stringify(r.businessError.details);
  } else if (r.error) {
    ({ code, message } = r.error);
    reason = r.error.reason ?? "";
  }
  stringField(out, 2, code);
  stringField(out, 3, message);
  int32Field(out, 4, OUTCOMES[r.outcome]);
  stringField(out, 5, reason);
  for (const line of r.logs) writeLog(out, line);
  if (details !== undefined) stringField(out, 9, details);
}

/** Writes the fields of an input that never ran, as responseFromError builds it: a technical error (its stats in the batch's). */
function writeRefused(out: Out, err: ExtensionError): void {
  stringField(out, 2, err.code);
  stringField(out, 3, err.message);
  int32Field(out, 4, Outcome.TECHNICAL_ERROR);
  stringField(out, 5, err.reason ?? "");
}

/** Writes one result: field 1, length-delimited. */
function resultField(out: Out, a: BatchAnswer, i: number): void {
  const result = resultAt(a, i);
  if (result?.outcome === "ok" && result.logs.length === 0 && result.output !== undefined)
    okResultField(out, result.output);
  else slowResultField(out, a, i, result);
}

/**
 * The common result (ok, an output, no log lines), its length known before it is written: field 1 of
 * the output, field 4 (OUTCOME_OK), as writeResult writes them (an empty output left out, as there).
 */
function okResultField(out: Out, output: string): void {
  const n = output === "" ? 0 : Buffer.byteLength(output, "utf8");
  const outputField = n === 0 ? 0 : 1 + varintSize(n) + n;
  const size = outputField + int32FieldSize(4, Outcome.OK);
  writeVarint(out, tag(1, LEN));
  writeVarint(out, size);
  if (n > 0) {
    writeVarint(out, tag(1, LEN));
    writeVarint(out, n);
    writeString(out, output, n);
  }
  int32Field(out, 4, Outcome.OK);
}

/** Any other result: written after room for its length, which is written once the message is. */
function slowResultField(out: Out, a: BatchAnswer, i: number, result: InvocationResult | undefined): void {
  writeVarint(out, tag(1, LEN));
  // Room for the length: a 5-byte varint fits any message under 4 GiB.
  ensure(out, 5);
  const lengthAt = out.pos;
  out.pos += 5;
  if (result) writeResult(out, result);
  else writeRefused(out, refusedAt(a, i) as ExtensionError);
  const length = out.pos - lengthAt - 5;
  const lengthSize = varintSize(length);
  // The message moves back against its length when the length takes fewer than 5 bytes.
  if (lengthSize < 5) out.buf.copyWithin(lengthAt + lengthSize, lengthAt + 5, out.pos);
  out.pos -= 5 - lengthSize;
  putVarint(out.buf, lengthAt, length);
}

/**
 * The protobuf binary encoding of a batch's response, straight from its
 * items: the bytes `toBinary(InvokeExtensionBatchResponseSchema,
 * batchResponse(a))` writes, without building a response object per input.
 */
export function encodeBatchAnswer(a: BatchAnswer): Uint8Array {
  const out: Out = { buf: Buffer.alloc(a.count * 192 + 256), pos: 0 };
  for (let i = 0; i < a.count; i++) resultField(out, a, i);
  stringField(out, 2, a.module?.version ?? "");
  stringField(out, 3, a.module?.sha256 ?? "");
  statsField(out, a);
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
