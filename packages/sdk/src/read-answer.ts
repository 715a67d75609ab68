import { ExtensionError } from "@ameide-ext/contract";
import { Outcome } from "@ameide-ext/proto";
import type { InvokeManyResult } from "./invoke-many.js";
import {
  type BatchResult,
  guestLogs,
  type InvokeResult,
  type InvokeStats,
  parseJsonText,
  type ResponseFields,
  readOutcome,
} from "./read-response.js";
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
/**
 * Log lines one result may carry: the runtime keeps 100 per invocation (DEFAULT_SIZE_LIMITS.logLines) and
 * a line saying it cut the rest; ten times that leaves room, and bounds what an answer of tiny lines
 * (two bytes each on the wire, an object each here) makes the caller hold.
 */
const MAX_LOG_LINES = 1000;
const NO_BYTES = new Uint8Array(0);

/** One result's fields as read (its output as a span of the answer's bytes), with its own stats when it carried some. */
type ReadResult = ResponseFields & {
  ownStats: InvokeStats | undefined;
  outputFrom: number;
  outputTo: number;
  logs: Array<{ level: number; message: string }>;
};

function newReadResult(): ReadResult {
  const res = { logs: [] } as unknown as ReadResult;
  clearReadResult(res);
  return res;
}

/** Sets every field of `res` to its proto3 default (its log array emptied in place). */
function clearReadResult(res: ReadResult): void {
  res.outcome = 0;
  res.outputJson = NO_BYTES;
  res.outputFrom = 0;
  res.outputTo = 0;
  res.errorCode = "";
  res.errorMsg = "";
  res.errorReason = "";
  res.errorDetailsJson = NO_BYTES;
  res.resolvedVersion = "";
  res.moduleSha256 = "";
  res.logs.length = 0;
  res.ownStats = undefined;
}

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

/**
 * Reads `bytes` (an InvokeExtensionBatchResponse) as readBatchResponse reads
 * the decoded message. Two passes: the first finds each result's bytes and
 * reads the batch's own fields (its version, module and stats, which come
 * after the results on the wire); the second reads each result into one
 * scratch record and makes its answer, ok outputs parsed where they lie.
 */
export function readBatchAnswer<O>(bytes: Uint8Array, sent: number): InvokeManyResult<O> {
  const r: WireReader = { buf: bytes, pos: 0 };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  /** Each result's bytes: start, end, start, end… */
  const spans: number[] = [];
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
    if (field === 1) {
      // Refused at the first result past the inputs sent: a flood of tiny results is never held.
      if (spans.length === 2 * sent)
        throw new ExtensionError(
          "internal",
          `the runtime answered more than the ${sent} inputs sent`,
          "invalid_output",
        );
      const to = lengthEnd(r, end);
      spans.push(r.pos, to);
      r.pos = to;
    } else if (field === 2) resolvedVersion = readString(r, end);
    else if (field === 3) moduleSha256 = readString(r, end);
    else if (field === 4) columns = readColumns(r, lengthEnd(r, end), view, columns, sent);
    else skipField(r, wireType, field, end);
  }
  if (spans.length / 2 !== sent)
    throw new ExtensionError(
      "internal",
      `the runtime answered ${spans.length / 2} results for ${sent} inputs`,
      "invalid_output",
    );
  const scratch = newReadResult();
  const results = new Array<BatchResult<O>>(sent);
  for (let i = 0; i < sent; i++) {
    r.pos = spans[2 * i] as number;
    readResult(r, spans[2 * i + 1] as number, scratch);
    if (scratch.resolvedVersion === "") scratch.resolvedVersion = resolvedVersion;
    if (scratch.moduleSha256 === "") scratch.moduleSha256 = moduleSha256;
    results[i] = answerOf<O>(scratch, scratch.ownStats ?? statsAt(columns, i), bytes);
  }
  return { resolvedVersion, moduleSha256, results };
}

/** Reads `bytes` (an InvokeExtensionResponse) as readResponse reads the decoded message: a technical error thrown. */
export function readInvokeAnswer<O>(bytes: Uint8Array): InvokeResult<O> {
  const res = newReadResult();
  readResult({ buf: bytes, pos: 0 }, bytes.length, res);
  const result = answerOf<O>(res, res.ownStats ?? statsAt(undefined, 0), bytes);
  if (result.outcome === "technical_error") throw result.error;
  return result;
}

const utf8Slice = Buffer.prototype.utf8Slice as (this: Uint8Array, start: number, end: number) => string;

/**
 * The UTF-8 text of `bytes[from, to)` as TextDecoder gives it (a leading byte order mark dropped, malformed
 * sequences as U+FFFD), with no view made: Buffer's own decoding (a test compares them on random bytes).
 */
function textAt(bytes: Uint8Array, from: number, to: number): string {
  if (to - from >= 3 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf)
    return utf8Slice.call(bytes, from + 3, to);
  return utf8Slice.call(bytes, from, to);
}

/**
 * The answer of one result read: an ok one made here, as readOutcome makes it, its output parsed from
 * where it lies in `bytes` (most of a batch's results: no view, no copy); any other through readOutcome.
 */
function answerOf<O>(res: ReadResult, stats: InvokeStats, bytes: Uint8Array): BatchResult<O> {
  if (res.outcome === Outcome.OK)
    return {
      resolvedVersion: res.resolvedVersion,
      moduleSha256: res.moduleSha256,
      stats,
      logs: guestLogs(res.logs),
      outcome: "ok",
      output: parseJsonText(textAt(bytes, res.outputFrom, res.outputTo), "output") as O,
    };
  res.outputJson = bytes.subarray(res.outputFrom, res.outputTo);
  return readOutcome<O>(res, stats);
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

/** One InvokeExtensionResponse, its bytes up to `end`, read into `res` (every field set again). */
function readResult(r: WireReader, end: number, res: ReadResult): void {
  clearReadResult(res);
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
      case 1: {
        const to = lengthEnd(r, end);
        res.outputFrom = r.pos;
        res.outputTo = to;
        r.pos = to;
        break;
      }
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
        if (res.logs.length === MAX_LOG_LINES)
          malformed(`more than ${MAX_LOG_LINES} log lines in one result`, r.pos);
        res.logs.push(readLog(r, lengthEnd(r, end)));
        break;
      case 9:
        res.errorDetailsJson = readBytes(r, end);
        break;
      default:
        res.moduleSha256 = readString(r, end);
    }
  }
  if (r.pos !== end) malformed("a result cut short", r.pos);
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

/**
 * BatchStats up to `end`, appended to `into` (repeated fields of a message given twice concatenate), each
 * column kept up to `keep` entries (one per result: readBatchResponse reads no further), the rest read
 * and checked, not kept.
 */
function readColumns(
  r: WireReader,
  end: number,
  view: DataView,
  into: Columns | undefined,
  keep: number,
): Columns {
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
    else if (field === 7) readUint32s(r, wireType, end, c.hostCalls, at, keep);
    else
      readDoubles(r, wireType, end, view, c[COLUMN_OF_FIELD[field] as (typeof COLUMN_OF_FIELD)[1]], at, keep);
  }
  if (r.pos !== end) malformed("stats columns cut short", r.pos);
  return c;
}

/** A repeated double: packed (LEN) or one value (I64), appended to `list` while it has fewer than `keep`. */
function readDoubles(
  r: WireReader,
  wireType: number,
  end: number,
  view: DataView,
  list: number[],
  at: number,
  keep: number,
): void {
  if (wireType === I64) {
    if (r.pos + 8 > end) malformed("a double cut short", at);
    const v = double(r, view);
    if (list.length < keep) list.push(v);
    return;
  }
  if (wireType !== LEN) malformed(`a stats column of wire type ${wireType}`, at);
  const to = lengthEnd(r, end);
  if ((to - r.pos) % 8 !== 0) malformed(`a packed double column of ${to - r.pos} bytes`, at);
  while (r.pos < to && list.length < keep) list.push(double(r, view));
  r.pos = to;
}

/** A repeated uint32: packed (LEN) or one value (VARINT), appended to `list` while it has fewer than `keep`. */
function readUint32s(
  r: WireReader,
  wireType: number,
  end: number,
  list: number[],
  at: number,
  keep: number,
): void {
  if (wireType === VARINT) {
    const v = uint32(r);
    if (r.pos > end) malformed("a varint cut short", at);
    if (list.length < keep) list.push(v);
    return;
  }
  if (wireType !== LEN) malformed(`a stats column of wire type ${wireType}`, at);
  const to = lengthEnd(r, end);
  while (r.pos < to) {
    const v = uint32(r);
    if (list.length < keep) list.push(v);
  }
  if (r.pos !== to) malformed("a packed varint column cut short", at);
}
