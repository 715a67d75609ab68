/**
 * `@ameide-ext/sdk/temporal`: an Extension Task as a Temporal activity
 * (spec 479 §4.1, "Temporal-backed"): createExtensionActivity, and
 * toApplicationFailure for activities of your own.
 *
 * Needs the optional peers `@temporalio/activity`, `@temporalio/common` and
 * `feelin`; define the task with `@ameide-ext/sdk/bpmn`. docs/sdk/process.md.
 */

export type {
  ExtensionActivity,
  ExtensionActivityInput,
  ExtensionActivityOptions,
} from "./process/temporal/extension-activity.js";
export {
  createExtensionActivity,
  DEFAULT_ACTIVITY_CACHE_SIZE,
  TECHNICAL_FAILURE_TYPE,
  toApplicationFailure,
} from "./process/temporal/extension-activity.js";
