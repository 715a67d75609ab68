/** A business operation that called one extension more often than the threshold (spec 479 §10.3). */
export interface ChattyEvent {
  correlationId: string;
  extensionId: string;
  /** The caller's hook point, when it said (InvokeOptions.hookPoint). */
  hookPoint: string | undefined;
  /** Calls so far within the operation. */
  calls: number;
  threshold: number;
}

/** How the client watches for chatty hooks. */
export interface ChattinessOptions {
  /** Calls of one extension within one correlation id before a warning. Default 10. */
  threshold?: number | undefined;
  /** Hears each warning. Default: one line on stderr. */
  onChatty?: ((event: ChattyEvent) => void) | undefined;
}

/** Counts invocations per correlation id and extension, and warns once when one passes the threshold. */
export interface ChattinessCounter {
  count(correlationId: string | undefined, extensionId: string, hookPoint: string | undefined): void;
  /** Warnings so far: the metric of hooks drifting into "chatty helper" territory. */
  readonly warnings: number;
}

/** Operations remembered at once; the oldest is forgotten first. */
const MAX_TRACKED = 10_000;

/** The default threshold: ten calls of one extension in one business operation. */
export const DEFAULT_CHATTY_THRESHOLD = 10;

/** Creates a {@link ChattinessCounter}. Calls without a correlation id are not counted. */
export function createChattinessCounter(options: ChattinessOptions = {}): ChattinessCounter {
  const threshold = options.threshold ?? DEFAULT_CHATTY_THRESHOLD;
  const onChatty =
    options.onChatty ??
    ((e: ChattyEvent) =>
      console.warn(
        `${e.extensionId} was called ${e.calls} times in operation ${e.correlationId}${e.hookPoint ? ` (from ${e.hookPoint})` : ""}, past ${e.threshold}: a chatty hook; batch its inputs`,
      ));
  const calls = new Map<string, number>();
  let warnings = 0;
  return {
    count(correlationId, extensionId, hookPoint) {
      if (!correlationId) return;
      const key = `${correlationId}\u0000${extensionId}`;
      const n = (calls.get(key) ?? 0) + 1;
      calls.delete(key);
      calls.set(key, n);
      if (calls.size > MAX_TRACKED) calls.delete(calls.keys().next().value as string);
      if (n !== threshold + 1) return;
      warnings++;
      onChatty({ correlationId, extensionId, hookPoint, calls: n, threshold });
    },
    get warnings() {
      return warnings;
    },
  };
}
