import { median } from "./median.js";

// Figures read from the runtime service's log (JSON lines), after a bench run.

/**
 * The lines of `event` in a runtime's log, parsed; a line cut by the log's
 * buffering is skipped.
 */
function* linesOf<L>(logText: string, event: string): Generator<L & { event: string }> {
  const marker = `"${event}"`;
  for (const line of logText.split("\n")) {
    if (!line.includes(marker)) continue;
    let l: L & { event?: string };
    try {
      l = JSON.parse(line) as L & { event?: string };
    } catch {
      continue;
    }
    if (l.event === event) yield l as L & { event: string };
  }
}

/** Counts the `inline_overrun` lines of `key` with `routed: true` in a runtime's log. */
export function countRoutings(logText: string, key: string): number {
  let n = 0;
  for (const l of linesOf<{ key?: string; routed?: boolean }>(logText, "inline_overrun"))
    if (l.key === key && l.routed === true) n++;
  return n;
}

/** The service's own time for an extension's batches, read from its log. */
export interface ServiceBatchTime {
  /** Median of the `latency_ms` of its `invocation_batch` lines, in ms; NaN when there is none. */
  p50Ms: number;
  /** Lines read. */
  batches: number;
}

/**
 * The service's own time per batch of `extensionId`, from the runtime's log
 * (`invocation_batch` lines, one per InvokeExtensionBatch): `latency_ms` runs
 * from the batch's size check to its answer (resolve, breakers, every input's
 * run), without the HTTP exchange, the request's decoding or the answer's
 * encoding. A row's figure minus this one is the client's, the network's and
 * the service's HTTP share.
 */
export function serviceBatchTime(logText: string, extensionId: string): ServiceBatchTime {
  const latencies: number[] = [];
  for (const l of linesOf<{ extension_id?: string; latency_ms?: unknown }>(logText, "invocation_batch"))
    if (l.extension_id === extensionId && typeof l.latency_ms === "number") latencies.push(l.latency_ms);
  return { p50Ms: median(latencies), batches: latencies.length };
}

/** The `latency_ms` of a runtime's first `invocation` line (its first single call), in ms; NaN when there is none. */
export function firstInvocationTime(logText: string): number {
  for (const l of linesOf<{ latency_ms?: unknown }>(logText, "invocation"))
    return typeof l.latency_ms === "number" ? l.latency_ms : Number.NaN;
  return Number.NaN;
}
