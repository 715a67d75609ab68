import { ExtensionError } from "@ameide-ext/contract";
import { BpmnModdle, type ModdleElement } from "bpmn-moddle";
import { AMEIDE_MODDLE_URI, readAmeideModdle } from "./ameide-moddle.js";
import { defineExtensionTask, type ExtensionTaskDefinition } from "./extension-task-definition.js";
import type { Mapping } from "./feel-mapping.js";

export { AMEIDE_MODDLE_URI } from "./ameide-moddle.js";

/** Largest BPMN document readExtensionTasks parses by default, in bytes (UTF-8): 4 MiB. */
export const MAX_BPMN_XML_BYTES = 4 * 1024 * 1024;
/** Largest cap a caller may set, in bytes: 64 MiB. */
const MAX_BPMN_XML_CAP = 64 * 1024 * 1024;

/** Options of {@link readExtensionTasks}. */
export interface ReadExtensionTasksOptions {
  /** Largest document accepted, in bytes (UTF-8). Default {@link MAX_BPMN_XML_BYTES}; bounds 1..64 MiB. */
  maxXmlBytes?: number | undefined;
}

function checkSize(xml: unknown, limit: number): string {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BPMN_XML_CAP)
    throw new ExtensionError(
      "invalid_argument",
      `maxXmlBytes is ${limit}; it must be an integer from 1 to ${MAX_BPMN_XML_CAP}`,
      "invalid_input",
      { field: "maxXmlBytes", value: limit },
    );
  if (typeof xml !== "string")
    throw new ExtensionError(
      "invalid_argument",
      `the BPMN document is a ${typeof xml}, not a string`,
      "invalid_input",
    );
  const bytes = xml.length > limit ? xml.length : Buffer.byteLength(xml, "utf8");
  if (bytes > limit)
    throw new ExtensionError(
      "invalid_argument",
      `the BPMN document is ${bytes} bytes or more, the limit is ${limit}; split the process or raise maxXmlBytes`,
      "input_size",
      { limit, actual: bytes },
    );
  return xml;
}

function malformed(message: string, details: Record<string, unknown> = {}): ExtensionError {
  return new ExtensionError("invalid_argument", message, "invalid_manifest", details);
}

async function parse(xml: string): Promise<ModdleElement> {
  const moddle = BpmnModdle({ ameide: await readAmeideModdle() });
  let result: Awaited<ReturnType<typeof moddle.fromXML>>;
  try {
    result = await moddle.fromXML(xml);
  } catch (cause) {
    throw malformed(`the document is not BPMN 2.0 XML: ${(cause as Error).message.split("\n")[0]}`);
  }
  // Lax parsing skips what it does not know; a misspelt ameide element would silently drop a task.
  const skipped = result.warnings.find((w) => w.message.includes("<ameide:"));
  if (skipped)
    throw malformed(`the document has an unknown ameide element: ${skipped.message.split("\n")[0]}`);
  // The parser keeps the first element of an id and drops the next one with all it holds.
  for (const w of result.warnings) {
    const id = /duplicate ID <([^>]*)>/.exec(w.message)?.[1];
    if (id !== undefined)
      throw malformed(`the document has two elements with id ${JSON.stringify(id)}; ids must be unique`, {
        id,
      });
  }
  return result.rootElement;
}

const childrenOf = (el: ModdleElement, property: string): ModdleElement[] =>
  Array.isArray(el[property]) ? (el[property] as ModdleElement[]) : [];

/**
 * Every flow element of the document's processes, sub-processes included, in document order; by a stack,
 * not recursion, so sub-processes nested thousands deep cannot exhaust the call stack.
 */
function* flowElements(definitions: ModdleElement): Generator<[ModdleElement, string | undefined]> {
  for (const root of childrenOf(definitions, "rootElements")) {
    if (root.$type !== "bpmn:Process") continue;
    const pending = childrenOf(root, "flowElements").slice().reverse();
    for (let el = pending.pop(); el !== undefined; el = pending.pop()) {
      yield [el, root.id];
      pending.push(...childrenOf(el, "flowElements").slice().reverse());
    }
  }
}

/** An extensionTask element the ameide descriptor did not read: its prefix is bound to another namespace. */
const isForeignExtensionTask = (v: ModdleElement): boolean =>
  v.$type !== "ameide:ExtensionTask" && /:extensionTask$/i.test(String(v.$type));

function extensionTaskOf(el: ModdleElement): ModdleElement | undefined {
  const ext = el.extensionElements as ModdleElement | undefined;
  const values = ext ? childrenOf(ext, "values") : [];
  const taskId = el.id ?? "";
  const foreign = values.find(isForeignExtensionTask);
  if (foreign)
    throw malformed(
      `element "${taskId}" has a ${foreign.$type} outside the ameide namespace; bind its prefix to ${AMEIDE_MODDLE_URI}`,
      { taskId, element: foreign.$type },
    );
  const found = values.filter((v) => v.$type === "ameide:ExtensionTask");
  if (found.length === 0) return undefined;
  if (el.$type !== "bpmn:ServiceTask")
    throw malformed(
      `element "${taskId}" is a ${el.$type}: an ameide:extensionTask belongs in a bpmn:serviceTask`,
      {
        taskId,
        element: el.$type,
      },
    );
  if (found.length > 1)
    throw malformed(`serviceTask "${taskId}" has ${found.length} ameide:extensionTask elements; keep one`, {
      taskId,
    });
  return found[0];
}

const mappingsOf = (el: ModdleElement, property: string): Mapping[] =>
  childrenOf(el, property).map((m) => ({ source: m.source as string, target: m.target as string }));

/**
 * The Extension Tasks of a BPMN 2.0 document: each `bpmn:serviceTask` that
 * carries an `ameide:extensionTask` extension element, checked as
 * defineExtensionTask checks it. A serviceTask without the element is not an
 * Extension Task and is left out.
 *
 * Refuses, with `invalid_argument`: a document over `maxXmlBytes`
 * (`input_size`, before parsing); XML that is not BPMN, an unknown `ameide:`
 * element, the element outside a serviceTask or twice in one, a malformed
 * extension id, a FEEL syntax error, two mappings to one target
 * (`invalid_manifest`, with the task id and the expression in `details`).
 */
export async function readExtensionTasks(
  xml: string,
  options: ReadExtensionTasksOptions = {},
): Promise<ExtensionTaskDefinition[]> {
  const definitions = await parse(checkSize(xml, options.maxXmlBytes ?? MAX_BPMN_XML_BYTES));
  const tasks: ExtensionTaskDefinition[] = [];
  for (const [el, processId] of flowElements(definitions)) {
    const ext = extensionTaskOf(el);
    if (ext === undefined) continue;
    tasks.push(
      defineExtensionTask({
        taskId: el.id ?? "",
        name: el.name,
        processId,
        extensionId: ext.extensionId as string,
        version: ext.version as string | undefined,
        inputs: mappingsOf(ext, "inputs"),
        outputs: mappingsOf(ext, "outputs"),
      }),
    );
  }
  return tasks;
}
