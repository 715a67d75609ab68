/**
 * `@ameide-ext/sdk/bpmn`: BPMN Extension Tasks for process primitives (spec
 * 479 §4.1). A `bpmn:serviceTask` carrying `ameide:extensionTask` names an
 * extension and maps process variables to its input and its output back, by
 * FEEL expressions. Read the tasks of a BPMN file with readExtensionTasks (or
 * define one in code), then run each with extensionTask.
 *
 * Needs the optional peers `bpmn-moddle` (readExtensionTasks) and `feelin`
 * (the mappings); the SDK's main entry never loads them. docs/sdk/process.md.
 */

export { AMEIDE_MODDLE_URI, readAmeideModdle } from "./process/ameide-moddle.js";
export type { BpmnErrorSource } from "./process/bpmn-error.js";
export { BpmnError, isBpmnError, isRetryable } from "./process/bpmn-error.js";
export type {
  ExtensionTaskOptions,
  ExtensionTaskRunner,
  ExtensionTaskRunOptions,
  ProcessVariables,
} from "./process/extension-task.js";
export { extensionTask } from "./process/extension-task.js";
export type { ExtensionTaskDefinition, ExtensionTaskSpec } from "./process/extension-task-definition.js";
export { defineExtensionTask, MAX_MAPPINGS_PER_TASK } from "./process/extension-task-definition.js";
export type { Mapping as ExtensionTaskMapping } from "./process/feel-mapping.js";
export {
  FEEL_EVALUATION_TIMEOUT_MS,
  MAX_FEEL_SOURCE_LENGTH,
  MAX_FEEL_VALUE_BYTES,
} from "./process/feel-mapping.js";
export type { ProcessContext } from "./process/process-context.js";
export type { ReadExtensionTasksOptions } from "./process/read-extension-tasks.js";
export { MAX_BPMN_XML_BYTES, readExtensionTasks } from "./process/read-extension-tasks.js";
