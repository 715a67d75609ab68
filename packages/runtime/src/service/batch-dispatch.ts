import { ExtensionError } from "@ameide-ext/contract";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { LoadedExtension } from "../engine/create-engine.js";
import type { ExecutionContext, InvocationResult, InvokeRequest } from "../engine/types.js";
import { countsAgainstExtension, countsAsFailure } from "./breaker-verdict.js";
import type { CircuitBreakers, CircuitPermit } from "./circuit-breaker.js";

/** One input of a batch, done: its result, or the error that kept it from running; and its own wall time. */
export type BatchItem =
  | {
      result: InvocationResult;
      error?: undefined;
      latencyMs: number;
      /** The context its host calls ran under: its own copy above the low tier (each input's own recording). */
      ctx?: ExecutionContext | undefined;
    }
  | {
      result?: undefined;
      error: ExtensionError;
      latencyMs: number;
      /** True when the input never started: the deadline had passed, or its breaker refused it. */
      skipped?: boolean;
    };

/** The dispatch's parts a batch runs with (invocation-dispatch.ts owns the routing). */
export interface BatchParts {
  breakers: CircuitBreakers;
  /** The entry's module, cached or fetched and compiled. */
  load(): LoadedExtension | Promise<LoadedExtension>;
  /** Whether a run of the entry tries the inline slice first (read before each input: a slow version goes to the pool). */
  inlineFirst(entry: CatalogEntry): boolean;
  /** One try in the inline slice; no result when the input must run in the pool. */
  runInline(
    entry: CatalogEntry,
    ext: LoadedExtension,
    request: InvokeRequest,
  ): { result: InvocationResult | undefined; overran: boolean };
  /** The engine's request for one input, its timeout shrunk to `timeoutMs` when set. */
  requestFor(input: Uint8Array, timeoutMs: number | undefined): InvokeRequest;
  /** Runs one input in the pool; a start later than `startBy` is shed. */
  runInPool(
    ext: LoadedExtension,
    request: InvokeRequest,
    input: Uint8Array,
    startBy: number | undefined,
  ): Promise<InvocationResult>;
  /** The inline slice, in milliseconds: the longest the batch holds the service's thread before it yields. */
  sliceMs: number;
}

/** Lets the event loop run what waits (other requests, I/O) before the batch goes on. */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The answer of an input the batch's deadline left no time for: it never ran. */
function pastDeadline(callerTimeoutMs: number): ExtensionError {
  return new ExtensionError(
    "deadline_exceeded",
    `the batch's deadline of ${callerTimeoutMs} ms passed before this input ran; send fewer inputs per batch or allow more time`,
    "timeout",
    { limit: callerTimeoutMs },
  );
}

/**
 * Runs a batch's inputs in order, each as its own invocation: its own
 * breaker permit (the first input uses the batch's, taken before the module
 * is loaded, so an open breaker refuses the whole batch), its own limits
 * (the timeout shrunk to what is left of the caller's deadline), fresh
 * state (the engine restores the instance before each run), its own result.
 * Low-tier inputs run in the inline slice, as a single call would, in turns:
 * once a turn has held the service's thread for a slice, the batch yields to
 * the event loop, so a batch holds the thread no longer at a time than one
 * call does. Unlike a single call, a batch's inputs try the slice even while
 * the thread is busy: sent to the pool one by one, each would cost the
 * thread more (a post, a clone, a promise: tens of microseconds) than its
 * run inline (a few), and a batch runs its inputs one after the other
 * anyway. A version that outran its slice lately still goes to the pool.
 * Inputs go to the pool one at a time, so a batch never holds more than one
 * worker nor floods the pool's queue. Once the caller's
 * deadline has passed, the inputs left end `deadline_exceeded / timeout`
 * without running.
 */
export async function runBatchInputs(
  inputs: readonly Uint8Array[],
  entry: CatalogEntry,
  callerTimeoutMs: number | undefined,
  parts: BatchParts,
): Promise<BatchItem[]> {
  const { breakers } = parts;
  const started = performance.now();
  const deadline = callerTimeoutMs === undefined ? undefined : started + callerTimeoutMs;
  let permit: CircuitPermit | undefined = breakers.admit(entry.key);
  let ext: LoadedExtension;
  try {
    ext = await parts.load();
  } catch (cause) {
    const err = ExtensionError.from(cause);
    breakers.record(permit, countsAgainstExtension(err.code, err.reason));
    throw err;
  }
  const items: BatchItem[] = new Array(inputs.length);
  let turnStarted = performance.now();
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i] as Uint8Array;
    const t0 = performance.now();
    if (deadline !== undefined && t0 >= deadline) {
      items[i] = { error: pastDeadline(callerTimeoutMs as number), latencyMs: 0, skipped: true };
      continue;
    }
    try {
      permit ??= breakers.admit(entry.key);
    } catch (cause) {
      items[i] = { error: ExtensionError.from(cause), latencyMs: performance.now() - t0, skipped: true };
      continue;
    }
    let failed = false;
    try {
      const request = parts.requestFor(input, deadline === undefined ? undefined : deadline - t0);
      let result: InvocationResult | undefined;
      let overran = false;
      if (parts.inlineFirst(entry)) ({ result, overran } = parts.runInline(entry, ext, request));
      result ??= await parts.runInPool(ext, request, input, deadline);
      failed = countsAsFailure(result, overran);
      items[i] = { result, latencyMs: performance.now() - t0, ctx: request.ctx };
    } catch (cause) {
      const err = ExtensionError.from(cause);
      failed = countsAgainstExtension(err.code, err.reason);
      items[i] = { error: err, latencyMs: performance.now() - t0 };
    } finally {
      breakers.record(permit, failed);
      permit = undefined;
    }
    if (performance.now() - turnStarted >= parts.sliceMs) {
      await yieldTurn();
      turnStarted = performance.now();
    }
  }
  return items;
}
