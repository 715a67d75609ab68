import { type ErrorReason, ExtensionError, FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import { TrapReason } from "../../wasm/instrument-module.js";
import type { BusinessError, GuestLogLine, Outcome } from "../types.js";
import { formatBytes } from "./resolve-limits.js";

// How a run ended, judged the same way whatever executed the guest (one core
// module, or a linked component).

/** An ExtensionError with its reason first, as the engine raises its technical errors. */
export function techError(
  code: ExtensionError["code"],
  reason: ErrorReason,
  message: string,
  details?: Record<string, unknown>,
): ExtensionError {
  return new ExtensionError(code, message, reason, details);
}

/**
 * Names what made a run fail: an error the host side raised (it wins over the
 * trap it caused), a stack overflow, a trap whose cause the injected code
 * recorded (fuel, call depth, a failed memory.grow), or a plain guest trap.
 */
export function classifyFailure(
  cause: unknown,
  pending: ExtensionError | undefined,
  trapReason: number,
  fuel: number,
  memoryLimitBytes: number,
): ExtensionError {
  if (pending) return pending;
  if (cause instanceof ExtensionError) return cause;
  if (cause instanceof RangeError) {
    return techError("resource_exhausted", "stack", "the guest's call stack overflowed (deep recursion)");
  }
  if (cause instanceof WebAssembly.RuntimeError) {
    if (trapReason === TrapReason.Fuel) {
      return techError(
        "resource_exhausted",
        "fuel",
        `fuel exhausted: the budget is ${fuel} instructions (cpu_millis × ${FUEL_PER_CPU_MILLI})`,
        { limit: fuel },
      );
    }
    if (trapReason === TrapReason.Stack) {
      return techError(
        "resource_exhausted",
        "stack",
        "the guest's call stack passed its depth limit (deep recursion)",
      );
    }
    if (trapReason === TrapReason.MemoryGrowFailed) {
      return techError(
        "resource_exhausted",
        "memory",
        `memory grew past the cap of ${formatBytes(memoryLimitBytes)}`,
        {
          limit: memoryLimitBytes,
        },
      );
    }
    return techError("resource_exhausted", "trap", `the guest trapped: ${cause.message}`);
  }
  return ExtensionError.from(cause);
}

/**
 * What the PDK's TypeScript entry logs, at level error, just before it ends a run it cannot answer: an
 * exception that is not a business error, or a Promise returned by `run` (packages/pdk/guest/index.ts).
 */
const GUEST_EXCEPTION_LOGS = ["unhandled exception: ", "run returned a Promise"] as const;

/**
 * A plain trap (`trap`) that follows the PDK's own error line is the hook's exception, not a limit:
 * `internal/guest_exception`, its message the logged line's first line. Any other error is returned as is.
 * The guest writes that line, so a guest can only ever move its own trap from one reason to the other.
 */
export function reclassifyGuestException(err: ExtensionError, logs: readonly GuestLogLine[]): ExtensionError {
  if (err.reason !== "trap") return err;
  const last = logs[logs.length - 1];
  if (last?.level !== "error" || !GUEST_EXCEPTION_LOGS.some((p) => last.message.startsWith(p))) return err;
  const line = last.message.split("\n")[0] ?? "";
  return techError(
    "internal",
    "guest_exception",
    `the hook failed: ${line.replace(/^unhandled exception: /, "it threw ")} (its stack is in the logs); use fail(code, message) for a refusal`,
  );
}

/** Refuses an output over its limit (`resource_exhausted/output_size`), before it is decoded. */
export function checkOutputSize(bytes: number, limit: number): void {
  if (bytes > limit) {
    throw techError(
      "resource_exhausted",
      "output_size",
      `output is ${formatBytes(bytes)}, the limit is ${formatBytes(limit)}`,
      { actual: bytes, limit },
    );
  }
}

/** What a payload means: the ok output, or the guest's business error. */
export interface JudgedPayload {
  outcome: Outcome;
  output?: string;
  businessError?: BusinessError;
  outputBytes: number;
}

/**
 * Checks the payload of `run` against the contract: an ok payload must be
 * JSON; an err payload must be a business error `{"code","message","details"?}`.
 * Anything else is `internal/invalid_output`. (A one-module guest checks an
 * ok payload's bytes in place first, isJsonBytes, and comes here only when
 * they fail it: for the error, or for what only JSON.parse accepts.)
 */
export function judgePayload(ok: boolean, text: string, bytes: number): JudgedPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const preview = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    throw techError(
      "internal",
      "invalid_output",
      `the ${ok ? "output" : "error payload"} is not JSON: ${JSON.stringify(preview)}`,
    );
  }
  if (ok) return { outcome: "ok", output: text, outputBytes: bytes };
  const be = parsed as Partial<BusinessError> | null;
  if (
    typeof be !== "object" ||
    be === null ||
    typeof be.code !== "string" ||
    typeof be.message !== "string"
  ) {
    throw techError(
      "internal",
      "invalid_output",
      'a business error must be a JSON object {"code": string, "message": string, "details"?: any}',
    );
  }
  const businessError: BusinessError = { code: be.code, message: be.message };
  if (be.details !== undefined) businessError.details = be.details;
  return { outcome: "business_error", businessError, outputBytes: bytes };
}
