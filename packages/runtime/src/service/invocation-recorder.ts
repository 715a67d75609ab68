import type { InvokeExtensionResponse } from "@ameide-ext/proto";
import type { Logger } from "pino";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { ExecutionContext, InvocationResult } from "../engine/types.js";
import type { InvocationRecordings } from "../recording/invocation-recordings.js";
import {
  type BatchAnswer,
  latencyAt,
  outcomeAt,
  refusedAt,
  responseAt,
  resultAt,
  startedAt,
} from "./batch-response.js";
import { batchLogLine, type InvocationRequestFields, invocationLogLine } from "./invocation-log.js";
import {
  type ExtensionLabels,
  extensionLabels,
  type RuntimeMetrics,
  UNRESOLVED_LABELS,
} from "./runtime-metrics.js";
import type { RuntimeSettings } from "./runtime-settings.js";

/** One finished invocation, waiting to be counted and logged. */
export interface FinishedInvocation {
  req: InvocationRequestFields;
  /** The catalog entry it resolved to; undefined when it resolved to none. */
  entry: CatalogEntry | undefined;
  response: InvokeExtensionResponse;
  outcome: InvocationResult["outcome"];
  latencyMs: number;
  logs: InvocationResult["logs"] | undefined;
  /** Its place in an InvokeExtensionBatch, when it was one of its inputs. */
  batchIndex?: number | undefined;
  /** Set when it ran (a single call): its context and input, for its recording. */
  ran?: { ctx: ExecutionContext; input: Uint8Array } | undefined;
}

/** One finished InvokeExtensionBatch, waiting to be counted and logged. */
export interface FinishedBatch {
  req: InvocationRequestFields;
  entry: CatalogEntry | undefined;
  /** Its answer: each input's item, or the refusal of them all. */
  answer: BatchAnswer;
  latencyMs: number;
  /** Set when it ran: the batch's context and its inputs, for each input's recording. */
  ran?: { ctx: ExecutionContext; inputs: readonly Uint8Array[] } | undefined;
}

/** Records finished invocations in the metrics and the log, in batches, off the responses' latency. */
export interface InvocationRecorder {
  /** Queues one finished invocation; it is recorded once the current turn of the event loop is over. */
  record(finished: FinishedInvocation): void;
  /**
   * Queues one finished batch: each input counted in the metrics as an
   * invocation, one `invocation_batch` summary line, and the line of each
   * input that ended in a technical error (warn), as a single call's.
   */
  recordBatch(finished: FinishedBatch): void;
  /** Records what is queued now (before a /metrics scrape, and on close). */
  flush(): void;
  /** The metrics as served: a render records what is queued first, so a scrape counts every response sent. */
  readonly metrics: RuntimeMetrics;
}

/**
 * The longest the recorder holds the service's thread in one turn, in milliseconds: a batch of a
 * thousand inputs is recorded over several turns, with requests served in between.
 */
const WRITE_TURN_MS = 1;
/** Inputs of a batch recorded as one unit of the recorder's work. */
const BATCH_SLICE = 64;

/**
 * Creates the invocation recorder: the metrics and the log line of each
 * invocation are written just after its response is handed back, batched per
 * turn of the event loop (setImmediate), so neither is on an invocation's latency;
 * a turn records for at most WRITE_TURN_MS, and what is left waits for the next.
 */
export function createInvocationRecorder(options: {
  metrics: RuntimeMetrics;
  logger: Logger;
  guestLogs: RuntimeSettings["guestLogs"];
  /** Recorded invocations (docs/runtime-service.md, "Recordings"); unset: none. */
  recordings?: InvocationRecordings | undefined;
}): InvocationRecorder {
  const { metrics, logger } = options;
  const write = (f: FinishedInvocation) => {
    const labels: ExtensionLabels = f.entry ? extensionLabels(f.entry) : UNRESOLVED_LABELS;
    const r = f.response;
    metrics.invocation(
      labels,
      f.outcome,
      r.errorCode,
      r.errorReason,
      f.latencyMs / 1000,
      Number(r.stats?.fuelUsed ?? 0n),
      Number(r.stats?.peakMemoryBytes ?? 0n),
    );
    const technical = f.outcome === "technical_error";
    if (logger.isLevelEnabled(technical ? "warn" : "info")) {
      const line = invocationLogLine(
        f.req,
        f.entry,
        r,
        f.outcome,
        f.latencyMs,
        f.logs ?? [],
        options.guestLogs,
      );
      if (f.batchIndex !== undefined) Object.assign(line, { batch_index: f.batchIndex });
      if (technical) logger.warn(line, "invocation");
      else logger.info(line, "invocation");
    }
    options.recordings?.offer(f);
  };
  /**
   * Counts a batch's inputs that did not fail technically, in one go; each that did is counted and, when
   * it started, logged (warn) as a single call's, with its place in the batch.
   */
  const writeInputs = (b: FinishedBatch, from: number, to: number) => {
    const labels = b.entry ? extensionLabels(b.entry) : UNRESOLVED_LABELS;
    const a = b.answer;
    const quiet: Array<{
      outcome: "ok" | "business_error";
      seconds: number;
      fuel: number;
      memoryBytes: number;
    }> = [];
    for (let i = from; i < to; i++) {
      const result = resultAt(a, i);
      const outcome = outcomeAt(a, i);
      const latencyMs = latencyAt(a, i);
      if (result) offerInput(b, i, outcome);
      if (result && outcome !== "technical_error") {
        quiet.push({
          outcome,
          seconds: latencyMs / 1000,
          fuel: result.stats.fuelUsed,
          memoryBytes: result.stats.peakMemoryBytes,
        });
        continue;
      }
      if (startedAt(a, i)) {
        const response = responseAt(a, i);
        write({
          req: b.req,
          entry: b.entry,
          response,
          outcome,
          latencyMs,
          logs: result?.logs,
          batchIndex: i,
        });
      } else {
        const err = refusedAt(a, i);
        metrics.invocation(labels, outcome, err?.code ?? "", err?.reason ?? "", latencyMs / 1000, 0, 0);
      }
    }
    if (quiet.length > 0) metrics.invocationsOfBatch(labels, quiet);
  };
  /**
   * Hands an input that ran to the recordings, as a single call's (they keep its errors and sample the
   * rest): the sample drawn first, so an input it leaves out costs no object.
   */
  const offerInput = (b: FinishedBatch, i: number, outcome: InvocationResult["outcome"]) => {
    const { recordings } = options;
    const item = b.answer.items?.[i];
    const input = b.ran?.inputs[i];
    if (!recordings || !b.ran || !item?.result || input === undefined) return;
    if (!recordings.sampled(b.entry, outcome)) return;
    recordings.keep({
      entry: b.entry,
      req: b.req,
      ran: { ctx: item.ctx ?? b.ran.ctx, input },
      response: responseAt(b.answer, i),
      outcome,
      latencyMs: item.latencyMs,
    });
  };
  const writeSummary = (b: FinishedBatch) => {
    const line = batchLogLine(b.req, b.entry, b.answer, b.latencyMs);
    const level = line.technical_error > 0 ? "warn" : "info";
    if (logger.isLevelEnabled(level)) logger[level](line, "invocation batch");
  };
  // What is left to record, oldest first: one unit per invocation, or per BATCH_SLICE inputs of a batch.
  let queued: Array<() => void> = [];
  let head = 0;
  let writing: NodeJS.Immediate | undefined;
  const schedule = () => {
    writing ??= setImmediate(writeQueued);
  };
  /** Records what is queued, for at most `budgetMs` of the thread; what is left waits for the next turn. */
  const writeQueued = (budgetMs = WRITE_TURN_MS) => {
    writing = undefined;
    const until = performance.now() + budgetMs;
    while (head < queued.length) {
      (queued[head++] as () => void)();
      if (performance.now() > until) break;
    }
    if (head < queued.length) schedule();
    else {
      queued = [];
      head = 0;
    }
  };
  const flush = () => {
    if (writing) clearImmediate(writing);
    writeQueued(Number.POSITIVE_INFINITY);
  };
  return {
    record(f) {
      queued.push(() => write(f));
      schedule();
    },
    recordBatch(b) {
      // In slices of BATCH_SLICE inputs, so a turn of the recorder can stop between them.
      const count = b.answer.count;
      for (let i = 0; i < count; i += BATCH_SLICE)
        queued.push(() => writeInputs(b, i, Math.min(count, i + BATCH_SLICE)));
      queued.push(() => writeSummary(b));
      schedule();
    },
    flush,
    metrics: {
      ...metrics,
      render() {
        flush();
        return metrics.render();
      },
    },
  };
}
