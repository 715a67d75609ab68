import { createHash } from "node:crypto";
import { ExtensionError, isExtensionError } from "@ameide-ext/contract";
import { Context } from "@temporalio/activity";
import { ApplicationFailure } from "@temporalio/common";
import type { RuntimeClient } from "../../runtime-client.js";
import { isBpmnError, isRetryable } from "../bpmn-error.js";
import { type ExtensionTaskOptions, extensionTask, type ProcessVariables } from "../extension-task.js";
import type { ExtensionTaskDefinition } from "../extension-task-definition.js";
import type { ProcessContext } from "../process-context.js";
import { createIdempotencyCache } from "./idempotency-cache.js";

/** Answers an activity keeps by default, per activity function. */
export const DEFAULT_ACTIVITY_CACHE_SIZE = 1_000;
/** Most answers an activity may keep. */
const MAX_ACTIVITY_CACHE_SIZE = 1_000_000;

/** The failure type of a technical error (a business error's type is its own code). */
export const TECHNICAL_FAILURE_TYPE = "ExtensionError";

/** Options of {@link createExtensionActivity}. */
export interface ExtensionActivityOptions extends ExtensionTaskOptions {
  /**
   * Answers kept by correlation id, so a retried or redelivered activity gets
   * the same answer without a second RPC. Default {@link DEFAULT_ACTIVITY_CACHE_SIZE};
   * bounds 0 (off) to 1,000,000. Per worker process: another worker calls again.
   */
  cacheSize?: number | undefined;
}

/** What the workflow passes to the activity. */
export interface ExtensionActivityInput {
  /** The workflow's variables. */
  variables: ProcessVariables;
  /**
   * The process context; `processInstanceId` defaults to the workflow id and
   * `correlationId` to `${workflowId}/${runId}/${taskId}/${activityId}` (the same for
   * each attempt of one scheduled activity, another for the next time it is
   * scheduled or for a new run that reuses the workflow id).
   */
  process: Omit<ProcessContext, "processInstanceId"> & { processInstanceId?: string | undefined };
}

/** An activity function, to register with a Temporal worker: `activities: { priceDeal }`. */
export type ExtensionActivity = (input: ExtensionActivityInput) => Promise<ProcessVariables>;

/**
 * An Extension Task's failure as Temporal's ApplicationFailure: a business
 * error (BpmnError) is non-retryable with the business code as its `type`
 * and the guest's details; a technical error has the type "ExtensionError",
 * `{ code, reason, ...details }` as its details, and is retryable only when
 * isRetryable says so (`unavailable`, `deadline_exceeded`). A business code
 * equal to that type would pass for a technical failure: it is one, `internal/invalid_output`.
 */
export function toApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (isBpmnError(err) && err.code === TECHNICAL_FAILURE_TYPE)
    return toApplicationFailure(
      new ExtensionError(
        "internal",
        `the extension answered a business error coded ${JSON.stringify(err.code)}, the type of technical failures; give it another code`,
        "invalid_output",
        { businessCode: err.code },
      ),
    );
  if (isBpmnError(err))
    return ApplicationFailure.create({
      message: err.message,
      type: err.code,
      nonRetryable: true,
      details: [err.details ?? null],
    });
  const e = isExtensionError(err) ? err : ExtensionError.from(err);
  return ApplicationFailure.create({
    message: e.message,
    type: TECHNICAL_FAILURE_TYPE,
    nonRetryable: !isRetryable(e),
    details: [{ code: e.code, reason: e.reason ?? null, ...e.details }],
  });
}

function checkCacheSize(size: number): number {
  if (!Number.isInteger(size) || size < 0 || size > MAX_ACTIVITY_CACHE_SIZE)
    throw new ExtensionError(
      "invalid_argument",
      `cacheSize is ${size}; it must be an integer from 0 to ${MAX_ACTIVITY_CACHE_SIZE}`,
      "invalid_input",
      { field: "cacheSize", value: size },
    );
  return size;
}

/** The process context of this attempt, filled in from the activity's info. */
function processOf(input: ExtensionActivityInput, taskId: string): ProcessContext {
  const info = Context.current().info;
  const workflowId = info.workflowExecution?.workflowId;
  const processInstanceId = input.process.processInstanceId ?? workflowId ?? "";
  // The run too: a workflow id can be reused by a new run, which is a new instance with answers of its own.
  const run = info.workflowExecution?.runId ? `${info.workflowExecution.runId}/` : "";
  const correlationId =
    input.process.correlationId ??
    (processInstanceId === "" ? undefined : `${processInstanceId}/${run}${taskId}/${info.activityId}`);
  return { ...input.process, processInstanceId, correlationId };
}

/**
 * The cache key of a run: the tenant, the task, the correlation id and a digest of the variables. A retry
 * of one activity carries the same variables; a correlation id the workflow gives for a whole business
 * operation is shared by runs with other variables, which must not get one another's answers.
 */
function cacheKey(process: ProcessContext, taskId: string, variables: unknown): string {
  const digest = createHash("sha256")
    .update(JSON.stringify(variables) ?? "")
    .digest("base64url");
  return JSON.stringify([process.tenantId, taskId, process.correlationId ?? "", digest]);
}

/**
 * A Temporal activity that runs an Extension Task (see extensionTask): no
 * heartbeats (an invocation is short and its deadline is the client's), the
 * activity's cancellation passed to the call, idempotent on the correlation
 * id (with the tenant, the task and the variables) within the worker process, and failures as {@link toApplicationFailure}
 * makes them.
 */
export function createExtensionActivity(
  client: RuntimeClient,
  task: ExtensionTaskDefinition,
  options: ExtensionActivityOptions = {},
): ExtensionActivity {
  const cache = createIdempotencyCache<ProcessVariables>(
    checkCacheSize(options.cacheSize ?? DEFAULT_ACTIVITY_CACHE_SIZE),
  );
  const run = extensionTask(client, task, options);
  return async (input) => {
    try {
      const process = processOf(input, task.taskId);
      const signal = Context.current().cancellationSignal;
      const key = cacheKey(process, task.taskId, input.variables);
      return await cache.get(key, () => run(input.variables, process, { signal }), isBpmnError);
    } catch (err) {
      throw toApplicationFailure(err);
    }
  };
}
