import { ExtensionError } from "@ameide-ext/contract";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { LoadedExtension } from "../engine/create-engine.js";
import type { ExecutionContext, InlineBatchRun, InvocationResult, InvokeRequest } from "../engine/types.js";
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
  /**
   * One engine call running inputs `from` on in the inline slice (Engine.tryInlineBatch), for at most
   * `sliceMs` and not past `deadline`, each run judged as a single inline run is (an overrun or a skip
   * routes the version to the pool). `routedAt`: the attempt whose overrun routed it (it counts against
   * the extension), or -1.
   */
  runInlineBatch(
    entry: CatalogEntry,
    ext: LoadedExtension,
    inputs: readonly Uint8Array[],
    from: number,
    sliceMs: number,
    deadline: number | undefined,
  ): { run: InlineBatchRun; routedAt: number };
  /** The engine's request for one input, its timeout shrunk to `timeoutMs` when set. */
  requestFor(input: Uint8Array, timeoutMs: number | undefined): InvokeRequest;
  /** Runs one input in the pool; a start later than `startBy` is shed, a run past the request's `runBy` stopped. */
  runInPool(
    ext: LoadedExtension,
    request: InvokeRequest,
    input: Uint8Array,
    startBy: number | undefined,
  ): Promise<InvocationResult>;
  /** The inline slice, in milliseconds: the longest the batch holds the service's thread before it yields. */
  sliceMs: number;
  /** The longest the whole batch runs, in milliseconds, whatever its caller's deadline (`batch.max_ms`). */
  maxMs: number;
}

/** Lets the event loop run what waits (other requests, I/O) before the batch goes on. */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The batch's time: its caller's deadline, or the runtime's cap when that comes first (or the caller sent none). */
interface BatchLimit {
  ms: number;
  byRuntime: boolean;
}

function batchLimit(callerTimeoutMs: number | undefined, maxMs: number): BatchLimit {
  return callerTimeoutMs !== undefined && callerTimeoutMs <= maxMs
    ? { ms: callerTimeoutMs, byRuntime: false }
    : { ms: maxMs, byRuntime: true };
}

/** The answer of an input the batch's deadline left no time for: it never ran. */
function pastDeadline(limit: BatchLimit): ExtensionError {
  const message = limit.byRuntime
    ? `the batch ran for the runtime's limit of ${limit.ms} ms a batch (batch.max_ms) before this input ran; send fewer inputs per batch`
    : `the batch's deadline of ${limit.ms} ms passed before this input ran; send fewer inputs per batch or allow more time`;
  return new ExtensionError("deadline_exceeded", message, "timeout", { limit: limit.ms });
}

/** What {@link runInlineInputs} settled: up to `next`; the permit it left unused; whether input `next` must run in the pool. */
interface InlineStep {
  next: number;
  permit: CircuitPermit | undefined;
  toPool: boolean;
}

/**
 * Runs inputs from `from` on in one engine call on the service's thread and
 * files each attempt: its item, its breaker record (the first under
 * `permit`, each later one under its own). The engine stops after a technical
 * error, so the breaker counts it before another input runs. An input the
 * engine left to the pool (`toPool`) is the caller's next, permit and all.
 */
function runInlineInputs(
  inputs: readonly Uint8Array[],
  from: number,
  entry: CatalogEntry,
  ext: LoadedExtension,
  permit: CircuitPermit,
  items: BatchItem[],
  turnLeftMs: number,
  deadline: number | undefined,
  parts: BatchParts,
): InlineStep {
  const { breakers } = parts;
  const { run, routedAt } = parts.runInlineBatch(entry, ext, inputs, from, turnLeftMs, deadline);
  let held: CircuitPermit | undefined = permit;
  for (let k = 0; k < run.attempts.length; k++) {
    const a = run.attempts[k] as InlineBatchRun["attempts"][number];
    if ("skipped" in a) return { next: from + k, permit: held, toPool: true };
    let failed: boolean;
    if ("refused" in a) {
      items[from + k] = { error: a.refused, latencyMs: a.wallMs };
      failed = countsAgainstExtension(a.refused.code, a.refused.reason);
    } else {
      items[from + k] = { result: a.ran, latencyMs: a.wallMs, ctx: undefined };
      failed = countsAsFailure(a.ran, k === routedAt);
    }
    // Only the last attempt can fail or overrun: a breaker the earlier ones left closed admits the next.
    // Should it refuse (tripped meanwhile), the input has run all the same: its answer stands, unrecorded.
    if (held === undefined) {
      try {
        held = breakers.admit(entry.key);
      } catch {
        continue;
      }
    }
    breakers.record(held, failed);
    held = undefined;
  }
  return { next: run.next, permit: held, toPool: false };
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
 * worker nor floods the pool's queue; each is stopped at the batch's
 * deadline however late it started. Once the caller's
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
  const limit = batchLimit(callerTimeoutMs, parts.maxMs);
  const deadline = started + limit.ms;
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
  /** True when the input at `i` is one the engine left to the pool (it outran the slice, or its instance was not ready). */
  let toPool = false;
  for (let i = 0; i < inputs.length; ) {
    const input = inputs[i] as Uint8Array;
    const t0 = performance.now();
    if (t0 >= deadline) {
      items[i++] = { error: pastDeadline(limit), latencyMs: 0, skipped: true };
      continue;
    }
    try {
      permit ??= breakers.admit(entry.key);
    } catch (cause) {
      items[i++] = { error: ExtensionError.from(cause), latencyMs: performance.now() - t0, skipped: true };
      continue;
    }
    if (!toPool && parts.inlineFirst(entry)) {
      const turnLeftMs = Math.max(0, parts.sliceMs - (t0 - turnStarted));
      let step: InlineStep;
      try {
        step = runInlineInputs(inputs, i, entry, ext, permit, items, turnLeftMs, deadline, parts);
      } catch (cause) {
        // A call the engine refused as a whole (its limits): this input's answer, as a single call's would be.
        const err = ExtensionError.from(cause);
        breakers.record(permit, countsAgainstExtension(err.code, err.reason));
        permit = undefined;
        items[i++] = { error: err, latencyMs: performance.now() - t0 };
        continue;
      }
      ({ next: i, permit, toPool } = step);
    } else {
      toPool = false;
      let failed = false;
      try {
        // Its timeout is armed when it starts, maybe well after now: `runBy` stops it at the batch's
        // deadline all the same, so a batch holds its worker no longer than batch.max_ms.
        const request = parts.requestFor(input, deadline - t0);
        request.runBy = deadline;
        const result = await parts.runInPool(ext, request, input, deadline);
        failed = countsAsFailure(result, false);
        items[i] = { result, latencyMs: performance.now() - t0, ctx: request.ctx };
      } catch (cause) {
        const err = ExtensionError.from(cause);
        failed = countsAgainstExtension(err.code, err.reason);
        items[i] = { error: err, latencyMs: performance.now() - t0 };
      } finally {
        breakers.record(permit, failed);
        permit = undefined;
      }
      i++;
    }
    if (performance.now() - turnStarted >= parts.sliceMs) {
      await yieldTurn();
      turnStarted = performance.now();
    }
  }
  return items;
}
