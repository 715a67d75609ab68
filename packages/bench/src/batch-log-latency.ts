import { median } from "./median.js";

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
 * the service's HTTP share. A line cut by the log's buffering is skipped.
 */
export function serviceBatchTime(logText: string, extensionId: string): ServiceBatchTime {
  const latencies: number[] = [];
  for (const line of logText.split("\n")) {
    if (!line.includes('"invocation_batch"')) continue;
    try {
      const l = JSON.parse(line) as { event?: string; extension_id?: string; latency_ms?: unknown };
      if (
        l.event === "invocation_batch" &&
        l.extension_id === extensionId &&
        typeof l.latency_ms === "number"
      )
        latencies.push(l.latency_ms);
    } catch {
      // a line cut by the log's buffering: not one of ours
    }
  }
  return { p50Ms: median(latencies), batches: latencies.length };
}
