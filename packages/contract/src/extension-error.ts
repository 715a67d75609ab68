/**
 * The one error type of ameide-ext. The runtime, the SDK and the CLI all throw
 * and return it; it crosses worker and RPC boundaries as plain data, so it is
 * recognised by `name` and `code`, never by `instanceof` alone.
 */

/** The closed set of codes: Connect's `Code`, in snake_case. */
export const ERROR_CODES = [
  "invalid_argument",
  "unauthenticated",
  "not_found",
  "permission_denied",
  "failed_precondition",
  "resource_exhausted",
  "deadline_exceeded",
  "unavailable",
  "internal",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Machine-readable reasons. Each limit has one, and so has each way a module
 * or an invocation can be refused.
 */
export const ERROR_REASONS = [
  // limits hit while running
  "fuel",
  "memory",
  "stack",
  "timeout",
  "input_size",
  "batch_size",
  "output_size",
  "log_size",
  "host_call_limit",
  "host_string_size",
  // what the guest did
  "trap",
  "guest_exception",
  "invalid_output",
  // refused modules
  "module_size",
  "invalid_module",
  "not_a_component",
  "contract_mismatch",
  "forbidden_import",
  "missing_export",
  "integrity",
  "unsupported_feature",
  "module_too_complex",
  "load_timeout",
  // refused inputs and configuration
  "invalid_input",
  "invalid_limits",
  "invalid_manifest",
  // host calls
  "host_call_denied",
  "host_call_failed",
  // availability
  "worker_lost",
  "circuit_open",
  "compile_error",
  // the runtime service (docs/runtime-service.md)
  "disabled",
  "store_unavailable",
  "shutting_down",
  "overloaded",
  // who may call the runtime, for which tenant (docs/runtime-service.md, "Authentication")
  "caller_unauthenticated",
  "tenant_not_allowed",
  "context_mismatch",
  "module_ref_outside_tenant",
] as const;

/** One of {@link ERROR_REASONS}. */
export type ErrorReason = (typeof ERROR_REASONS)[number];

/** The plain-data form of an {@link ExtensionError}, as it crosses a worker or RPC boundary. */
export interface ExtensionErrorData {
  /** The closed code. */
  code: ErrorCode;
  /** The machine-readable reason, where one applies. */
  reason?: ErrorReason | undefined;
  /** A human-readable sentence quoting the offending value and the limit. */
  message: string;
  /** Extra structured facts, e.g. `{ limit, actual }` or compile diagnostics. */
  details?: Record<string, unknown> | undefined;
}

const CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);
const REASON_SET: ReadonlySet<string> = new Set(ERROR_REASONS);

/** Tells whether `value` is one of the closed codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && CODE_SET.has(value);
}

/** Tells whether `value` is one of the known reasons. */
export function isErrorReason(value: unknown): value is ErrorReason {
  return typeof value === "string" && REASON_SET.has(value);
}

/** The error thrown and returned across the runtime, the SDK and the CLI. */
export class ExtensionError extends Error {
  override readonly name = "ExtensionError";
  /** The closed code. */
  readonly code: ErrorCode;
  /** The machine-readable reason, where one applies. */
  readonly reason: ErrorReason | undefined;
  /** Extra structured facts. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, reason?: ErrorReason, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** The plain-data form, safe for `postMessage` and JSON. */
  toJSON(): ExtensionErrorData {
    const data: ExtensionErrorData = { code: this.code, message: this.message };
    if (this.reason !== undefined) data.reason = this.reason;
    if (this.details !== undefined) data.details = this.details;
    return data;
  }

  /**
   * Turns anything caught into an ExtensionError. An ExtensionError (or its
   * plain-data form from another worker or process) keeps its code and reason;
   * anything else becomes `internal`.
   */
  static from(cause: unknown): ExtensionError {
    if (cause instanceof ExtensionError) return cause;
    if (typeof cause === "object" && cause !== null) {
      const c = cause as Partial<ExtensionErrorData> & { name?: unknown };
      if (isErrorCode(c.code) && typeof c.message === "string") {
        return new ExtensionError(
          c.code,
          c.message,
          isErrorReason(c.reason) ? c.reason : undefined,
          typeof c.details === "object" && c.details !== null ? c.details : undefined,
        );
      }
      if (cause instanceof Error) {
        return new ExtensionError("internal", cause.message);
      }
    }
    return new ExtensionError("internal", String(cause));
  }
}

/** Tells whether `value` is an ExtensionError, or its plain-data form. */
export function isExtensionError(value: unknown): value is ExtensionError {
  if (value instanceof ExtensionError) return true;
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { name?: unknown }).name === "ExtensionError" &&
    isErrorCode((value as { code?: unknown }).code)
  );
}
