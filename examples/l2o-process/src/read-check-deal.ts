import { readFile } from "node:fs/promises";
import { ExtensionError } from "@ameide-ext/contract";
import { type ExtensionTaskDefinition, readExtensionTasks } from "@ameide-ext/sdk/bpmn";
import { L2O_ELEMENTS } from "./l2o-elements.js";

/** l2o.bpmn, beside src/ and dist/. */
export const L2O_BPMN = new URL("../l2o.bpmn", import.meta.url);

/** Reads the package's l2o.bpmn. */
export function readL2oBpmn(): Promise<string> {
  return readFile(L2O_BPMN, "utf8");
}

/**
 * The Extension Task `check-deal` of a BPMN document, read and checked with
 * readExtensionTasks (its errors are thrown as they are). A document without
 * it is `invalid_argument`/`invalid_manifest`.
 */
export async function readCheckDeal(xml: string): Promise<ExtensionTaskDefinition> {
  const tasks = await readExtensionTasks(xml);
  const task = tasks.find((t) => t.taskId === L2O_ELEMENTS.checkDeal);
  if (task === undefined)
    throw new ExtensionError(
      "invalid_argument",
      `the BPMN document has no Extension Task "${L2O_ELEMENTS.checkDeal}" (it has ${JSON.stringify(tasks.map((t) => t.taskId))}); start from examples/l2o-process/l2o.bpmn`,
      "invalid_manifest",
      { taskId: L2O_ELEMENTS.checkDeal },
    );
  return task;
}
