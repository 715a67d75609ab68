import { isExtensionError } from "@ameide-ext/contract";

/** Where a business error came from: the task and the extension version that refused. */
export interface BpmnErrorSource {
  /** The Extension Task's id. */
  taskId?: string | undefined;
  /** The extension that refused. */
  extensionId?: string | undefined;
  /** The version that ran. */
  resolvedVersion?: string | undefined;
}

/**
 * A BPMN error: the extension refused the input with a business error. Its
 * `code` is the guest's code, verbatim ("MARGIN_TOO_LOW"), for a boundary
 * error event whose errorCode matches it; an engine must not retry it.
 * Recognised by `name` ("BpmnError") as well as by `instanceof`.
 */
export class BpmnError extends Error {
  override readonly name = "BpmnError";
  /** The business error code: what a boundary error event's errorCode matches. */
  readonly code: string;
  /** The guest's details, when it gave any. */
  readonly details: unknown;
  /** The Extension Task that raised it. */
  readonly taskId: string | undefined;
  /** The extension that refused. */
  readonly extensionId: string | undefined;
  /** The version that ran. */
  readonly resolvedVersion: string | undefined;

  constructor(code: string, message: string, details?: unknown, source: BpmnErrorSource = {}) {
    super(message);
    this.code = code;
    this.details = details;
    this.taskId = source.taskId;
    this.extensionId = source.extensionId;
    this.resolvedVersion = source.resolvedVersion;
  }
}

/** Tells whether `value` is a {@link BpmnError}, by class or by `name` and a string `code`. */
export function isBpmnError(value: unknown): value is BpmnError {
  if (value instanceof BpmnError) return true;
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { name?: unknown }).name === "BpmnError" &&
    typeof (value as { code?: unknown }).code === "string"
  );
}

/**
 * Tells whether an Extension Task's failure is worth retrying by the engine:
 * only a technical error coded `unavailable` (the runtime was down, draining
 * or its breaker open) or `deadline_exceeded` (it did not answer in time).
 * A business error (BpmnError), a limit, a refusal or a bad mapping is not:
 * the same input would fail the same way.
 */
export function isRetryable(err: unknown): boolean {
  return isExtensionError(err) && (err.code === "unavailable" || err.code === "deadline_exceeded");
}
