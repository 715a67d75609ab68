import type { InvokeExtensionRequest, InvokeExtensionResponse } from "@ameide-ext/proto";
import type { Logger } from "pino";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { InvocationResult } from "../engine/types.js";
import { invocationLogLine } from "./invocation-log.js";
import { type ExtensionLabels, extensionLabels, type RuntimeMetrics, UNRESOLVED } from "./runtime-metrics.js";
import type { RuntimeSettings } from "./runtime-settings.js";

/** One finished invocation, waiting to be counted and logged. */
export interface FinishedInvocation {
  req: InvokeExtensionRequest;
  /** The catalog entry it resolved to; undefined when it resolved to none. */
  entry: CatalogEntry | undefined;
  response: InvokeExtensionResponse;
  outcome: InvocationResult["outcome"];
  latencyMs: number;
  logs: InvocationResult["logs"] | undefined;
}

/** Records finished invocations in the metrics and the log, in batches, off the responses' latency. */
export interface InvocationRecorder {
  /** Queues one finished invocation; it is recorded once the current turn of the event loop is over. */
  record(finished: FinishedInvocation): void;
  /** Records what is queued now (before a /metrics scrape, and on close). */
  flush(): void;
  /** The metrics as served: a render records what is queued first, so a scrape counts every response sent. */
  readonly metrics: RuntimeMetrics;
}

/**
 * Creates the invocation recorder: the metrics and the log line of each
 * invocation are written just after its response is handed back, batched per
 * turn of the event loop (setImmediate), so neither is on an invocation's latency.
 */
export function createInvocationRecorder(options: {
  metrics: RuntimeMetrics;
  logger: Logger;
  guestLogs: RuntimeSettings["guestLogs"];
}): InvocationRecorder {
  const { metrics, logger } = options;
  const write = (f: FinishedInvocation) => {
    const labels: ExtensionLabels = f.entry
      ? extensionLabels(f.entry)
      : { tenant_id: UNRESOLVED, extension_id: UNRESOLVED, version: UNRESOLVED };
    const r = f.response;
    metrics.invocation(
      labels,
      f.outcome,
      r.errorCode,
      r.errorReason,
      f.latencyMs / 1000,
      Number(r.stats?.fuelUsed ?? 0n),
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
      if (technical) logger.warn(line, "invocation");
      else logger.info(line, "invocation");
    }
  };
  let queued: FinishedInvocation[] = [];
  let writing: NodeJS.Immediate | undefined;
  const writeQueued = () => {
    writing = undefined;
    const batch = queued;
    queued = [];
    for (const f of batch) write(f);
  };
  const flush = () => {
    if (writing) clearImmediate(writing);
    writeQueued();
  };
  return {
    record(f) {
      queued.push(f);
      writing ??= setImmediate(writeQueued);
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
