import type { ExtensionError } from "@ameide-ext/contract";

/** How the client retries. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 3; 1 turns retries off; bounds 1..10. */
  attempts?: number | undefined;
  /** Delay before the first retry, in milliseconds; it doubles each time. Default 20. */
  initialDelayMs?: number | undefined;
  /** Longest delay, in milliseconds. Default 250. */
  maxDelayMs?: number | undefined;
  /** Random source for the jitter, [0, 1). Default Math.random. */
  random?: (() => number) | undefined;
}

/** Retry options, checked, with the defaults filled in. */
export interface ResolvedRetry {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}

/** Checks retry options once, when the client is built. */
export function resolveRetry(options: RetryOptions = {}): ResolvedRetry {
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10)
    throw new RangeError(`retry.attempts is ${attempts}, it must be an integer from 1 to 10`);
  const initialDelayMs = options.initialDelayMs ?? 20;
  const maxDelayMs = options.maxDelayMs ?? 250;
  if (!(initialDelayMs >= 0) || !(maxDelayMs >= initialDelayMs))
    throw new RangeError(
      `retry delays are ${initialDelayMs} and ${maxDelayMs} ms; they must satisfy 0 <= initialDelayMs <= maxDelayMs`,
    );
  return { attempts, initialDelayMs, maxDelayMs, random: options.random ?? Math.random };
}

/**
 * The wait before retrying after `attempt` failed with `error`, or undefined
 * when the error must not be retried. Only `unavailable` is retried (the
 * runtime is draining, a worker was lost, the module store was unreachable):
 * never a limit (`resource_exhausted`, `deadline_exceeded`), a refusal, or
 * `unavailable/circuit_open`, whose cool-down outlasts any sensible backoff.
 * Exponential backoff with equal jitter.
 */
export function retryDelayMs(
  retry: ResolvedRetry,
  attempt: number,
  error: ExtensionError,
): number | undefined {
  if (attempt >= retry.attempts) return undefined;
  if (error.code !== "unavailable" || error.reason === "circuit_open") return undefined;
  const base = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
  return base / 2 + (retry.random() * base) / 2;
}
