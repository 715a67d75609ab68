import type { ExtensionError } from "@ameide-ext/contract";
import {
  type InvokeExtensionBatchResponse,
  InvokeExtensionBatchResponseSchema,
  type InvokeExtensionResponse,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import type { InvocationResult } from "../engine/types.js";
import type { BatchItem } from "./batch-dispatch.js";
import { type ResolvedModule, responseFromError, responseFromResult } from "./invocation-response.js";

/**
 * A batch, answered: each input's item, or the refusal of them all, and the
 * module that ran them. What the response is read from: its objects for
 * in-process and JSON callers (batchResponse), its binary encoding straight
 * from the items (encode-batch-response.ts), the recorder's and the span's
 * figures; none of them needs 500 response objects built first.
 */
export interface BatchAnswer {
  /** Inputs of the batch, answered or not. */
  count: number;
  /** One per input, in order; undefined when the batch never ran. */
  items: readonly BatchItem[] | undefined;
  /** What refused every input when the batch never ran (unknown extension, bad context, breaker open, module not loaded). */
  refusal: ExtensionError | undefined;
  /** The version and sha256 that ran every input; undefined when none was resolved. */
  module: ResolvedModule | undefined;
}

/** The item of input `i`, when it has one (the batch ran). */
const itemAt = (a: BatchAnswer, i: number): BatchItem | undefined => a.items?.[i];

/** The result of input `i` when it ran to a result (ok, business error or technical error). */
export function resultAt(a: BatchAnswer, i: number): InvocationResult | undefined {
  return itemAt(a, i)?.result;
}

/** How input `i` ended: an input that never ran ended with a technical error. */
export function outcomeAt(a: BatchAnswer, i: number): InvocationResult["outcome"] {
  return resultAt(a, i)?.outcome ?? "technical_error";
}

/** The error that kept input `i` from running (its own, or the batch's refusal); undefined when it ran. */
export function refusedAt(a: BatchAnswer, i: number): ExtensionError | undefined {
  const item = itemAt(a, i);
  return item?.result ? undefined : (item?.error ?? (a.refusal as ExtensionError));
}

/** Input `i`'s own wall time, in milliseconds (0 when the batch never ran). */
export function latencyAt(a: BatchAnswer, i: number): number {
  return itemAt(a, i)?.latencyMs ?? 0;
}

/** False when input `i` never started (deadline passed, breaker open, the batch refused). */
export function startedAt(a: BatchAnswer, i: number): boolean {
  const item = itemAt(a, i);
  return item !== undefined && (item.result !== undefined || item.skipped !== true);
}

/** What a batch's results say of their module: nothing; the batch says it once for all (runtime.proto). */
const THE_BATCH_S: ResolvedModule = Object.freeze({ version: "", sha256: "" });

/**
 * Input `i`'s answer as the response of one call would be, its version and
 * sha256 left to the batch's; with `withStats` false (a result of the
 * batch's response), its stats too (the batch carries them, see statColumns).
 */
export function responseAt(
  a: BatchAnswer,
  i: number,
  encodeOutput?: (output: string) => Uint8Array,
  withStats = true,
): InvokeExtensionResponse {
  const result = resultAt(a, i);
  return result
    ? responseFromResult(result, THE_BATCH_S, encodeOutput, withStats)
    : responseFromError(refusedAt(a, i) as ExtensionError, THE_BATCH_S, withStats);
}

/** The fields of BatchStats (runtime.proto): each InvocationStats field's name and number, in field order. */
export const STAT_COLUMNS = [
  { name: "fuelUsed", field: 1 },
  { name: "fuelLimit", field: 2 },
  { name: "peakMemoryBytes", field: 3 },
  { name: "memoryLimitBytes", field: 4 },
  { name: "durationUs", field: 5 },
  { name: "outputBytes", field: 6 },
  { name: "hostCalls", field: 7 },
] as const;

const NO_VALUES = new Float64Array(0);

/**
 * Every column of a batch's BatchStats, in STAT_COLUMNS' order, read in one
 * pass over its items: each input's value of the stat (0 for an input that
 * never ran; durations in whole microseconds, as InvocationStats.duration_us),
 * or none (length 0) when it is 0 for every input.
 */
export function statColumns(a: BatchAnswer): Array<{ field: number; values: Float64Array }> {
  const n = a.count;
  const [fuel, limit, peak, memory, duration, output, hostCalls] = STAT_COLUMNS.map(
    () => new Float64Array(n),
  ) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < n; i++) {
    const s = resultAt(a, i)?.stats;
    if (s === undefined) continue;
    fuel[i] = s.fuelUsed;
    limit[i] = s.fuelLimit;
    peak[i] = s.peakMemoryBytes;
    memory[i] = s.memoryLimitBytes;
    duration[i] = Math.round(s.durationUs);
    output[i] = s.outputBytes;
    hostCalls[i] = s.hostCalls >>> 0;
  }
  return [fuel, limit, peak, memory, duration, output, hostCalls].map((values, k) => ({
    field: k + 1,
    values: values.some((v) => v !== 0) ? values : NO_VALUES,
  }));
}

const encoder = new TextEncoder();

/**
 * Writes a batch's outputs as UTF-8 side by side in one buffer, each answer's
 * bytes a view of it: a third of the time of one `encode` each (an
 * allocation apiece). The buffer is the outputs' exact size (their UTF-8
 * lengths, summed first), no more than separate encodings would take.
 */
function outputArena(items: readonly BatchItem[]): (output: string) => Uint8Array {
  let size = 0;
  for (const item of items) {
    const output = item?.result?.output;
    if (output !== undefined) size += Buffer.byteLength(output, "utf8");
  }
  const buf = new Uint8Array(size);
  let at = 0;
  return (output) => {
    const written = encoder.encodeInto(output, buf.subarray(at)).written;
    const bytes = buf.subarray(at, at + written);
    at += written;
    return bytes;
  };
}

/**
 * The response of a batch: one InvokeExtensionResponse per input, in order,
 * read as a single call's, its resolved version and module sha256 left empty
 * for the batch's own and its stats in the batch's BatchStats, column by
 * column. A refused batch answers every input with the refusal as its
 * technical error.
 */
export function batchResponse(a: BatchAnswer): InvokeExtensionBatchResponse {
  const stats: Record<string, number[]> = {};
  statColumns(a).forEach(({ values }, k) => {
    stats[(STAT_COLUMNS[k] as (typeof STAT_COLUMNS)[number]).name] = Array.from(values);
  });
  const response = create(InvokeExtensionBatchResponseSchema, {
    resolvedVersion: a.module?.version ?? "",
    moduleSha256: a.module?.sha256 ?? "",
    stats,
  });
  const encodeOutput = a.items ? outputArena(a.items) : undefined;
  for (let i = 0; i < a.count; i++) response.results.push(responseAt(a, i, encodeOutput, false));
  return response;
}
