import type { InvocationResult } from "../engine/types.js";

/** A technical error the extension is to blame for: what a breaker counts. */
export function countsAgainstExtension(code: string, reason: string | undefined): boolean {
  if (code === "unavailable") return false; // the runtime's own availability: store, workers, breaker
  if (code === "invalid_argument" && (reason === "input_size" || reason === "invalid_input")) return false; // the caller's input
  return true;
}

/**
 * Whether a result counts against its extension on the breaker: a technical error the extension is to
 * blame for, or an inline overrun, which held the service's thread.
 */
export function countsAsFailure(result: InvocationResult, overran: boolean): boolean {
  return (
    overran ||
    (result.outcome === "technical_error" &&
      countsAgainstExtension(result.error?.code ?? "", result.error?.reason))
  );
}
