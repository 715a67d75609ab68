import { type ExecutionContext, ExtensionError } from "@ameide-ext/contract";
import {
  type InvokeExtensionBatchRequest,
  InvokeExtensionBatchRequestSchema,
  type InvokeExtensionBatchResponse,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { type BatchResult, readOutcome } from "./read-response.js";
import { inputBytes, wireContext } from "./wire-request.js";

/** Per-call options of {@link RuntimeClient.invokeMany}. */
export interface InvokeManyOptions {
  /** "3", or "latest": resolved once, for every input. Default "latest". */
  version?: string | undefined;
  /** Deadline of the whole batch in milliseconds, retries included. Default the client's `timeoutMs`. */
  timeoutMs?: number | undefined;
  /** Cancels the call (and its retries). */
  signal?: AbortSignal | undefined;
  /** The caller's hook point ("sales/PriceInvoiceLines"), named in a chattiness warning. */
  hookPoint?: string | undefined;
  /** The end user's own token, as in InvokeOptions.userToken. Unused in-process. */
  userToken?: string | undefined;
  /** Who invokes, for version pins, as in InvokeOptions.consumerRef. */
  consumerRef?: string | undefined;
}

/** What {@link RuntimeClient.invokeMany} resolves with. */
export interface InvokeManyResult<O = unknown> {
  /** The version that ran for every input ("3" when "latest" was asked); empty when none was resolved. */
  resolvedVersion: string;
  /** Lowercase hex sha256 of the module that ran for every input; empty when none was resolved. */
  moduleSha256: string;
  /** One answer per input, in the order of the inputs. */
  results: Array<BatchResult<O>>;
}

/**
 * The InvokeExtensionBatch request of `inputs` (each serialized as
 * InvokeOptions.input is). Throws `invalid_argument / invalid_input`, naming
 * the input, for one that cannot be serialized as JSON.
 */
export function batchRequest(
  extensionId: string,
  inputs: readonly unknown[],
  ctx: ExecutionContext,
  version: string | undefined,
  consumerRef?: string | undefined,
): InvokeExtensionBatchRequest {
  const inputsJson = inputs.map((input, i) => {
    try {
      return inputBytes(input);
    } catch (cause) {
      const err = ExtensionError.from(cause);
      throw new ExtensionError(err.code, `inputs[${i}]: ${err.message}`, err.reason, { index: i });
    }
  });
  return create(InvokeExtensionBatchRequestSchema, {
    extensionId,
    version: version ?? "latest",
    ctx: wireContext(ctx),
    inputsJson,
    consumerRef: consumerRef ?? "",
  });
}

/**
 * Reads an InvokeExtensionBatchResponse: each answer as {@link readOutcome}
 * reads it (a technical error as a value), its resolved version and module
 * sha256 the batch's when the runtime left them empty, and its stats entry i
 * of each list of the batch's BatchStats (a list left empty is 0 for every
 * answer): the runtime keeps them out of each result, to keep the answer
 * small and quick to decode (runtime.proto). An answer that carries stats of
 * its own (an older runtime) keeps them. Throws `internal` when the runtime
 * answered a number of results other than the inputs sent.
 */
export function readBatchResponse<O>(res: InvokeExtensionBatchResponse, sent: number): InvokeManyResult<O> {
  if (res.results.length !== sent)
    throw new ExtensionError(
      "internal",
      `the runtime answered ${res.results.length} results for ${sent} inputs`,
      "invalid_output",
    );
  const columns = res.stats;
  const at = (list: readonly number[] | undefined, i: number) => list?.[i] ?? 0;
  return {
    resolvedVersion: res.resolvedVersion,
    moduleSha256: res.moduleSha256,
    results: res.results.map((r, i) => {
      // The decoded response is ours: filling it in costs no copy.
      if (r.resolvedVersion === "") r.resolvedVersion = res.resolvedVersion;
      if (r.moduleSha256 === "") r.moduleSha256 = res.moduleSha256;
      if (r.stats !== undefined || columns === undefined) return readOutcome<O>(r);
      return readOutcome<O>(r, {
        fuelUsed: at(columns.fuelUsed, i),
        fuelLimit: at(columns.fuelLimit, i),
        peakMemoryBytes: at(columns.peakMemoryBytes, i),
        memoryLimitBytes: at(columns.memoryLimitBytes, i),
        durationUs: at(columns.durationUs, i),
        outputBytes: at(columns.outputBytes, i),
        hostCalls: at(columns.hostCalls, i),
      });
    }),
  };
}
