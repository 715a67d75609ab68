import { ExtensionError } from "@ameide-ext/contract";
import type { InvokeManyResult } from "./invoke-many.js";
import { type InvokeResult, type InvokeStats, type ResponseFields, readOutcome } from "./read-response.js";
import {
  double,
  I64,
  int32,
  LEN,
  lengthEnd,
  malformed,
  readTag,
  skipField,
  uint32,
  uint64,
  VARINT,
  type WireReader,
} from "./wire-reader.js";

/**
 * The SDK's own decoder of the runtime's answers (InvokeExtensionResponse,
 * InvokeExtensionBatchResponse) straight into its results: what
 * `readResponse(fromBinary(…))` and `readBatchResponse(fromBinary(…))`
 * return (a test compares them on random answers), without a batch's 500
 * intermediate messages, their BigInt stats nor the reflection of a generic
 * decoder. Unknown fields are skipped; a known field of the wrong wire type,
 * a length or varint past the end, or a result count other than the inputs
 * sent throws `internal / invalid_output`.
 */

const utf8 = new TextDecoder();
const NO_BYTES = new Uint8Array(0);

/** One result's fields as read, with its own stats when it carried some. */
type ReadResult = ResponseFields & { ownStats: InvokeStats | undefined };

/** BatchStats: each InvocationStats field as a list, entry i for result i. */
interface Columns {
  fuelUsed: number[];
  fuelLimit: number[];
  peakMemoryBytes: number[];
  memoryLimitBytes: number[];
  durationUs: number[];
  outputBytes: number[];
  hostCalls: number[];
}

const COLUMN_OF_FIELD = [
  undefined,
  "fuelUsed",
  "fuelLimit",
  "peakMemoryBytes",
  "memoryLimitBytes",
  "durationUs",
  "outputBytes",
] as const;

/** Reads `bytes` (an InvokeExtensionBatchResponse) as readBatchResponse reads the decoded message. */
export function readBatchAnswer<O>(bytes: Uint8Array, sent: number): InvokeManyResult<O> {
  const r: WireReader = { buf: bytes, pos: 0 };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const results: ReadResult[] = [];
  let resolvedVersion = "";
  let moduleSha256 = "";
  let columns: Columns | undefined;
  const end = bytes.length;
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r);
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field >= 1 && field <= 4 && wireType !== LEN)
      malformed(`field ${field} of wire type ${wireType}`, at);
    if (field === 1) results.push(readResult(r, lengthEnd(r, end)));
    else if (field === 2) resolvedVersion = readString(r, end);
    else if (field === 3) moduleSha256 = readString(r, end);
    else if (field === 4) columns = readColumns(r, lengthEnd(r, end), view, columns);
    else skipField(r, wireType, field, end);
  }
  if (results.length !== sent)
    throw new ExtensionError(
      "internal",
      `the runtime answered ${results.length} results for ${sent} inputs`,
      "invalid_output",
    );
  return {
    resolvedVersion,
    moduleSha256,
    results: results.map((res, i) => {
      if (res.resolvedVersion === "") res.resolvedVersion = resolvedVersion;
      if (res.moduleSha256 === "") res.moduleSha256 = moduleSha256;
      return readOutcome<O>(res, res.ownStats ?? statsAt(columns, i));
    }),
  };
}

/** Reads `bytes` (an InvokeExtensionResponse) as readResponse reads the decoded message: a technical error thrown. */
export function readInvokeAnswer<O>(bytes: Uint8Array): InvokeResult<O> {
  const res = readResult({ buf: bytes, pos: 0 }, bytes.length);
  const result = readOutcome<O>(res, res.ownStats ?? statsAt(undefined, 0));
  if (result.outcome === "technical_error") throw result.error;
  return result;
}

/** Entry `i` of each column (0 where a list is short), or zeros when the answer had no BatchStats. */
function statsAt(c: Columns | undefined, i: number): InvokeStats {
  return {
    fuelUsed: c?.fuelUsed[i] ?? 0,
    fuelLimit: c?.fuelLimit[i] ?? 0,
    peakMemoryBytes: c?.peakMemoryBytes[i] ?? 0,
    memoryLimitBytes: c?.memoryLimitBytes[i] ?? 0,
    durationUs: c?.durationUs[i] ?? 0,
    outputBytes: c?.outputBytes[i] ?? 0,
    hostCalls: c?.hostCalls[i] ?? 0,
  };
}

function readString(r: WireReader, end: number): string {
  const to = lengthEnd(r, end);
  const from = r.pos;
  r.pos = to;
  return from === to ? "" : utf8.decode(r.buf.subarray(from, to));
}

function readBytes(r: WireReader, end: number): Uint8Array {
  const to = lengthEnd(r, end);
  const from = r.pos;
  r.pos = to;
  return from === to ? NO_BYTES : r.buf.subarray(from, to);
}

/** The wire type each InvokeExtensionResponse field must have (index: field number). */
const RESULT_WIRE_TYPES = [-1, LEN, LEN, LEN, VARINT, LEN, LEN, LEN, LEN, LEN, LEN];

/** One InvokeExtensionResponse, its bytes up to `end`. */
function readResult(r: WireReader, end: number): ReadResult {
  const res: ReadResult = {
    outcome: 0,
    outputJson: NO_BYTES,
    errorCode: "",
    errorMsg: "",
    errorReason: "",
    errorDetailsJson: NO_BYTES,
    resolvedVersion: "",
    moduleSha256: "",
    logs: [],
    ownStats: undefined,
  };
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r);
    const field = tag >>> 3;
    const wireType = tag & 7;
    const expected = RESULT_WIRE_TYPES[field];
    if (expected === undefined) {
      skipField(r, wireType, field, end);
      continue;
    }
    if (wireType !== expected) malformed(`a result's field ${field} of wire type ${wireType}`, at);
    switch (field) {
      case 1:
        res.outputJson = readBytes(r, end);
        break;
      case 2:
        res.errorCode = readString(r, end);
        break;
      case 3:
        res.errorMsg = readString(r, end);
        break;
      case 4:
        res.outcome = int32(r);
        break;
      case 5:
        res.errorReason = readString(r, end);
        break;
      case 6:
        res.resolvedVersion = readString(r, end);
        break;
      case 7:
        res.ownStats = readStats(r, lengthEnd(r, end), res.ownStats);
        break;
      case 8:
        (res.logs as Array<{ level: number; message: string }>).push(readLog(r, lengthEnd(r, end)));
        break;
      case 9:
        res.errorDetailsJson = readBytes(r, end);
        break;
      default:
        res.moduleSha256 = readString(r, end);
    }
  }
  if (r.pos !== end) malformed("a result cut short", r.pos);
  return res;
}

/** InvocationStats up to `end`, merged into `into` (a field given twice: the last wins, as protobuf merges). */
function readStats(r: WireReader, end: number, into: InvokeStats | undefined): InvokeStats {
  const s: InvokeStats = into ?? statsAt(undefined, 0);
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r);
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field < 1 || field > 7) {
      skipField(r, wireType, field, end);
      continue;
    }
    if (wireType !== VARINT) malformed(`a stats field ${field} of wire type ${wireType}`, at);
    if (field === 7) s.hostCalls = uint32(r);
    else s[COLUMN_OF_FIELD[field] as (typeof COLUMN_OF_FIELD)[1]] = uint64(r);
  }
  if (r.pos !== end) malformed("stats cut short", r.pos);
  return s;
}

/** One GuestLogLine up to `end`. */
function readLog(r: WireReader, end: number): { level: number; message: string } {
  const line = { level: 0, message: "" };
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r);
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === VARINT) line.level = int32(r);
    else if (field === 2 && wireType === LEN) line.message = readString(r, end);
    else if (field === 1 || field === 2)
      malformed(`a log line's field ${field} of wire type ${wireType}`, at);
    else skipField(r, wireType, field, end);
  }
  if (r.pos !== end) malformed("a log line cut short", r.pos);
  return line;
}

/** BatchStats up to `end`, appended to `into` (repeated fields of a message given twice concatenate). */
function readColumns(r: WireReader, end: number, view: DataView, into: Columns | undefined): Columns {
  const c: Columns = into ?? {
    fuelUsed: [],
    fuelLimit: [],
    peakMemoryBytes: [],
    memoryLimitBytes: [],
    durationUs: [],
    outputBytes: [],
    hostCalls: [],
  };
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r);
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field < 1 || field > 7) skipField(r, wireType, field, end);
    else if (field === 7) readUint32s(r, wireType, end, c.hostCalls, at);
    else readDoubles(r, wireType, end, view, c[COLUMN_OF_FIELD[field] as (typeof COLUMN_OF_FIELD)[1]], at);
  }
  if (r.pos !== end) malformed("stats columns cut short", r.pos);
  return c;
}

/** A repeated double: packed (LEN) or one value (I64), appended to `list`. */
function readDoubles(
  r: WireReader,
  wireType: number,
  end: number,
  view: DataView,
  list: number[],
  at: number,
): void {
  if (wireType === I64) {
    if (r.pos + 8 > end) malformed("a double cut short", at);
    list.push(double(r, view));
    return;
  }
  if (wireType !== LEN) malformed(`a stats column of wire type ${wireType}`, at);
  const to = lengthEnd(r, end);
  if ((to - r.pos) % 8 !== 0) malformed(`a packed double column of ${to - r.pos} bytes`, at);
  while (r.pos < to) list.push(double(r, view));
}

/** A repeated uint32: packed (LEN) or one value (VARINT), appended to `list`. */
function readUint32s(r: WireReader, wireType: number, end: number, list: number[], at: number): void {
  if (wireType === VARINT) {
    list.push(uint32(r));
    if (r.pos > end) malformed("a varint cut short", at);
    return;
  }
  if (wireType !== LEN) malformed(`a stats column of wire type ${wireType}`, at);
  const to = lengthEnd(r, end);
  while (r.pos < to) list.push(uint32(r));
  if (r.pos !== to) malformed("a packed varint column cut short", at);
}
