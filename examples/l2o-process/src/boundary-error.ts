import { L2O_ELEMENTS } from "./l2o-elements.js";

/** The boundary error events of l2o.bpmn, by the business error code each catches (its `errorCode`). */
export const BOUNDARY_EVENTS = {
  INVALID_DEAL: L2O_ELEMENTS.dealInvalid,
} as const;

/** A boundary error event of l2o.bpmn. */
export type BoundaryEvent = (typeof BOUNDARY_EVENTS)[keyof typeof BOUNDARY_EVENTS];

/** A business error as the flow sees it: its code and the extension's message. */
export interface BusinessError {
  /** The guest's code, e.g. "INVALID_DEAL". */
  code: string;
  message: string;
}

interface FailureLike {
  name?: unknown;
  type?: unknown;
  message?: unknown;
  nonRetryable?: unknown;
  cause?: unknown;
}

// Recognised by name, not instanceof: the failure crosses the worker/workflow boundary as data.
function applicationFailureOf(err: unknown): FailureLike | undefined {
  if (err === null || typeof err !== "object") return undefined;
  const e = err as FailureLike;
  if (e.name === "ActivityFailure") return applicationFailureOf(e.cause);
  return e.name === "ApplicationFailure" ? e : undefined;
}

/**
 * The business error in `err`, when it is one: an ApplicationFailure (or an
 * ActivityFailure caused by one, as a workflow sees it) that is non-retryable
 * and typed with the guest's code, as `createExtensionActivity` throws it.
 * A technical failure (type "ExtensionError") is not one.
 */
export function businessErrorOf(err: unknown): BusinessError | undefined {
  const f = applicationFailureOf(err);
  if (f === undefined || f.nonRetryable !== true || typeof f.type !== "string") return undefined;
  if (f.type === "ExtensionError") return undefined;
  return { code: f.type, message: typeof f.message === "string" ? f.message : "" };
}

/**
 * The boundary error event that catches `err` on the Extension Task
 * `check-deal`, or undefined when none does (the error then fails the
 * process, as an uncaught BPMN error would).
 */
export function boundaryFor(err: unknown): { event: BoundaryEvent; error: BusinessError } | undefined {
  const error = businessErrorOf(err);
  if (error === undefined || !Object.hasOwn(BOUNDARY_EVENTS, error.code)) return undefined;
  return { event: BOUNDARY_EVENTS[error.code as keyof typeof BOUNDARY_EVENTS], error };
}
