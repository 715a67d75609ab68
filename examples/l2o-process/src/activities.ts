import type { RuntimeClient } from "@ameide-ext/sdk";
import type { ExtensionTaskDefinition } from "@ameide-ext/sdk/bpmn";
import {
  createExtensionActivity,
  type ExtensionActivity,
  type ExtensionActivityOptions,
} from "@ameide-ext/sdk/temporal";

/** The activities of the L2O workflow, to register with a worker: `Worker.create({ activities, ... })`. */
export interface L2oActivities {
  /** The Extension Task `check-deal`: calls the tenant's deal-approval extension. */
  checkDeal: ExtensionActivity;
}

/** The L2O activities: the Extension Task read from l2o.bpmn (readCheckDeal), run as the SDK's activity. */
export function createL2oActivities(
  client: RuntimeClient,
  checkDeal: ExtensionTaskDefinition,
  options: ExtensionActivityOptions = {},
): L2oActivities {
  return { checkDeal: createExtensionActivity(client, checkDeal, options) };
}
