import { ExtensionError, formatBytes } from "@ameide-ext/contract";

/** Inputs one InvokeExtensionBatch may carry when the settings say nothing (`runtime.batch.max_inputs`). */
export const DEFAULT_BATCH_MAX_INPUTS = 1000;
/** Input bytes, all inputs together, one InvokeExtensionBatch may carry by default (`runtime.batch.max_bytes`): 4 MiB. */
export const DEFAULT_BATCH_MAX_BYTES = 4 * 1024 * 1024;
/**
 * The longest one InvokeExtensionBatch runs by default (`runtime.batch.max_ms`), in milliseconds, whatever
 * deadline its caller sends or not: without it, 1,000 inputs each up to its version's time limit held a pool
 * worker for hours.
 */
export const DEFAULT_BATCH_MAX_MS = 60_000;
/** Bounds of the caps, as the catalog schema and the environment check them. */
export const BATCH_CAP_BOUNDS = Object.freeze({
  maxInputs: { min: 1, max: 100_000 },
  maxBytes: { min: 1, max: 64 * 1024 * 1024 },
  maxMs: { min: 1, max: 3_600_000 },
});

/** The caps of one InvokeExtensionBatch. */
export interface BatchCaps {
  /** Inputs at most. Default {@link DEFAULT_BATCH_MAX_INPUTS}. */
  maxInputs: number;
  /** Input bytes at most, all inputs together. Default {@link DEFAULT_BATCH_MAX_BYTES}. */
  maxBytes: number;
  /** Milliseconds the whole batch runs at most; inputs left then end `deadline_exceeded`. Default {@link DEFAULT_BATCH_MAX_MS}. */
  maxMs: number;
}

/**
 * Refuses a batch, before any input runs, with `invalid_argument / batch_size`:
 * no input at all, more inputs than `caps.maxInputs`, or more input bytes in
 * all than `caps.maxBytes`. Each input is still bounded on its own by the
 * input size limit when it runs (`input_size`, in its own answer).
 */
export function checkBatchSize(
  inputs: readonly Uint8Array[],
  caps: Pick<BatchCaps, "maxInputs" | "maxBytes">,
): void {
  if (inputs.length === 0)
    throw new ExtensionError(
      "invalid_argument",
      "the batch has no input; send at least one in inputs_json",
      "batch_size",
      { inputs: 0 },
    );
  if (inputs.length > caps.maxInputs)
    throw new ExtensionError(
      "invalid_argument",
      `the batch has ${inputs.length} inputs, the limit is ${caps.maxInputs}; split it into batches of at most ${caps.maxInputs}`,
      "batch_size",
      { inputs: inputs.length, limit: caps.maxInputs },
    );
  let bytes = 0;
  for (const input of inputs) bytes += input.byteLength;
  if (bytes > caps.maxBytes)
    throw new ExtensionError(
      "invalid_argument",
      `the batch's inputs are ${formatBytes(bytes)} in all, the limit is ${formatBytes(caps.maxBytes)}; split it into smaller batches`,
      "batch_size",
      { bytes, limit: caps.maxBytes },
    );
}

/**
 * The largest InvokeExtensionBatch request body the server reads: the caps'
 * input bytes as base64 in JSON (a third more), a few bytes of framing per
 * input, and 64 KiB for the rest (ids, context). A bigger body is refused by
 * the transport before it is decoded.
 */
export function batchReadMaxBytes(caps: Pick<BatchCaps, "maxInputs" | "maxBytes">): number {
  return Math.ceil((caps.maxBytes * 4) / 3) + caps.maxInputs * 16 + 64 * 1024;
}
