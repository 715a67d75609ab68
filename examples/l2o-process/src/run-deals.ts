import { ExtensionError } from "@ameide-ext/contract";
import type { RuntimeClient } from "@ameide-ext/sdk";
import type { ExtensionActivityInput } from "@ameide-ext/sdk/temporal";
import type { Logger } from "@temporalio/common";
import { MockActivityEnvironment } from "@temporalio/testing";
import { createL2oActivities } from "./activities.js";
import { type Deal, type L2oRun, runL2oFlow } from "./l2o-flow.js";
import { readCheckDeal } from "./read-check-deal.js";

// The mock environment logs each failed attempt as a worker would; the script prints its own account.
const noop = () => undefined;
const quiet: Logger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/** Options of {@link runDeals}. */
export interface RunDealsOptions {
  /** The runtime service's client (createRuntimeClient). */
  client: RuntimeClient;
  /** The BPMN document (l2o.bpmn, readL2oBpmn) whose Extension Task `check-deal` is run. */
  xml: string;
  /** The deals, one process instance each (`l2o-<deal id>`). */
  deals: readonly Deal[];
  /** Who the processes run for: `tenantId` is required; `userId`, `env`... pass through. */
  process: Omit<ExtensionActivityInput["process"], "processInstanceId">;
  /** Called when an instance reaches a user task; the script completes it at once. */
  onUserTask?: ((dealId: string, taskId: string) => void) | undefined;
}

/**
 * Checks that no two deals share an id: each is one process instance,
 * `l2o-<deal id>`, and the activity keeps its answer by that instance, so a
 * second deal with the id would get the first one's answer. A repeated id is
 * `invalid_argument`/`invalid_input`.
 */
export function checkDealIds(deals: readonly Deal[]): readonly Deal[] {
  const seen = new Set<string>();
  for (const deal of deals) {
    if (seen.has(deal.id))
      throw new ExtensionError(
        "invalid_argument",
        `two deals have the id ${JSON.stringify(deal.id)}; each deal is one process instance (l2o-<id>): give each its own id`,
        "invalid_input",
        { field: "id", value: deal.id },
      );
    seen.add(deal.id);
  }
  return deals;
}

/**
 * Runs l2o.bpmn for each deal without a Temporal server: the same flow as the
 * workflow, its Extension Task run by the SDK's activity function inside
 * `@temporalio/testing`'s MockActivityEnvironment (as a worker would run it,
 * with the workflow id `l2o-<deal id>`), user tasks completed at once.
 * Resolves with one run per deal; a technical failure rejects, and so does a
 * repeated deal id (checkDealIds), before any call.
 */
export async function runDeals(options: RunDealsOptions): Promise<L2oRun[]> {
  checkDealIds(options.deals);
  const activities = createL2oActivities(options.client, await readCheckDeal(options.xml));
  const runs: L2oRun[] = [];
  for (const deal of options.deals) {
    const workflowId = `l2o-${deal.id}`;
    let attempt = 0;
    const run = await runL2oFlow(
      { deal, process: options.process },
      {
        checkDeal: (input) =>
          new MockActivityEnvironment(
            {
              activityId: String(++attempt),
              activityType: "checkDeal",
              workflowType: "l2oDealApproval",
              workflowExecution: { workflowId, runId: "local" },
            },
            { logger: quiet },
          ).run(activities.checkDeal, input),
        async userTask(taskId, variables) {
          options.onUserTask?.(deal.id, taskId);
          return variables;
        },
      },
    );
    runs.push(run);
  }
  return runs;
}
