import type { ExtensionError } from "@ameide-ext/contract";
import { type InvokeExtensionBatchResponse, InvokeExtensionBatchResponseSchema } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import type { InvocationResult } from "../engine/types.js";
import type { BatchItem } from "./batch-dispatch.js";
import { type ResolvedModule, responseFromError, responseFromResult } from "./invocation-response.js";

/** A batch's response, and each input's outcome, wall time and guest log for the recorder. */
export interface BatchAnswer {
  response: InvokeExtensionBatchResponse;
  runs: Array<{
    outcome: InvocationResult["outcome"];
    latencyMs: number;
    logs: InvocationResult["logs"] | undefined;
    /** False when the input never started (deadline passed, breaker open, the batch refused). */
    started: boolean;
  }>;
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

/** What a batch's results say of their module: nothing; the batch says it once for all (runtime.proto). */
const THE_BATCH_S: ResolvedModule = Object.freeze({ version: "", sha256: "" });

/**
 * The response of a batch of `count` inputs: one InvokeExtensionResponse per
 * input, in order, read as a single call's, its resolved version and module
 * sha256 left empty for the batch's own. With `refusal` (the batch never
 * ran: unknown extension, bad context, breaker open, module not loaded),
 * every input carries it as its technical error.
 */
export function answerBatch(
  count: number,
  items: readonly BatchItem[] | undefined,
  refusal: ExtensionError | undefined,
  module: ResolvedModule | undefined,
): BatchAnswer {
  const response = create(InvokeExtensionBatchResponseSchema, {
    resolvedVersion: module?.version ?? "",
    moduleSha256: module?.sha256 ?? "",
  });
  const runs: BatchAnswer["runs"] = new Array(count);
  const encodeOutput = items ? outputArena(items) : undefined;
  for (let i = 0; i < count; i++) {
    const item = items?.[i];
    if (item?.result) {
      response.results.push(responseFromResult(item.result, THE_BATCH_S, encodeOutput));
      runs[i] = {
        outcome: item.result.outcome,
        latencyMs: item.latencyMs,
        logs: item.result.logs,
        started: true,
      };
    } else {
      response.results.push(responseFromError((item?.error ?? refusal) as ExtensionError, THE_BATCH_S));
      runs[i] = {
        outcome: "technical_error",
        latencyMs: item?.latencyMs ?? 0,
        logs: undefined,
        started: item !== undefined && item.skipped !== true,
      };
    }
  }
  return { response, runs };
}
