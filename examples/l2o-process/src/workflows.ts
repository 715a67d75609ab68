/**
 * The L2O deal approval as a Temporal workflow: register this file as the
 * worker's `workflowsPath` and the activities of createL2oActivities. The
 * Extension Task runs as the SDK's activity; user tasks wait for the
 * `completeUserTask` signal. Workflow code: it imports no Node module and no
 * SDK code (only types).
 */
import type { ProcessVariables } from "@ameide-ext/sdk/bpmn";
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from "@temporalio/workflow";
import type { L2oActivities } from "./activities.js";
import type { L2oUserTask } from "./l2o-elements.js";
import { type L2oInput, type L2oRun, runL2oFlow } from "./l2o-flow.js";

const { checkDeal } = proxyActivities<L2oActivities>({
  // Above the runtime client's deadline; no heartbeat: an invocation is short (docs/sdk/process.md).
  startToCloseTimeout: "30 seconds",
  // Only technical failures the SDK marks retryable (unavailable, deadline_exceeded) are retried.
  retry: { initialInterval: "1 second", backoffCoefficient: 2, maximumAttempts: 5 },
});

/** A person completed a user task: its id and the variables they set. */
export interface UserTaskCompletion {
  taskId: L2oUserTask;
  variables?: ProcessVariables | undefined;
}

/**
 * Completes the user task `taskId` ("extra-approval", "fix-deal") of a running
 * instance; ignored unless the instance waits at that task (waitingAtQuery).
 */
export const completeUserTaskSignal = defineSignal<[UserTaskCompletion]>("completeUserTask");

/** The user task the instance waits at, if any. */
export const waitingAtQuery = defineQuery<L2oUserTask | null>("waitingAt");

/** The L2O deal approval workflow: l2o.bpmn, run by Temporal. */
export async function l2oDealApproval(input: L2oInput): Promise<L2oRun> {
  const completed = new Map<L2oUserTask, ProcessVariables>();
  let waitingAt: L2oUserTask | null = null;
  // Only the task the instance waits at can be completed: no approval ahead of the check.
  setHandler(completeUserTaskSignal, ({ taskId, variables }) => {
    if (taskId === waitingAt) completed.set(taskId, variables ?? {});
  });
  setHandler(waitingAtQuery, () => waitingAt);
  return runL2oFlow(input, {
    checkDeal,
    async userTask(taskId, variables) {
      waitingAt = taskId;
      await condition(() => completed.has(taskId));
      waitingAt = null;
      return { ...variables, ...completed.get(taskId) };
    },
  });
}
