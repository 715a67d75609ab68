import {
  type ErrorCode,
  type ErrorReason,
  type InvocationResult,
  isExtensionError,
} from "@ameide-ext/runtime";
import { expect } from "vitest";

/** Asserts `result` is a technical error with exactly this code and reason. */
export function expectTechnicalError(result: InvocationResult, code: ErrorCode, reason: ErrorReason): void {
  expect({ outcome: result.outcome, code: result.error?.code, reason: result.error?.reason }).toEqual({
    outcome: "technical_error",
    code,
    reason,
  });
}

/** Asserts `action` throws (or rejects with) an ExtensionError with exactly this code and reason. */
export async function expectRefused(
  action: () => unknown,
  code: ErrorCode,
  reason: ErrorReason,
): Promise<void> {
  let caught: unknown;
  try {
    await action();
  } catch (cause) {
    caught = cause;
  }
  expect(caught, "expected a refusal, the call succeeded").toBeDefined();
  expect(isExtensionError(caught), `expected an ExtensionError, got ${String(caught)}`).toBe(true);
  const err = caught as { code: unknown; reason: unknown };
  expect({ code: err.code, reason: err.reason }).toEqual({ code, reason });
}
