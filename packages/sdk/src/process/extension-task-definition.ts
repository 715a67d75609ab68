import {
  EXTENSION_ID_LENGTH,
  EXTENSION_ID_PATTERN,
  ExtensionError,
  isExtensionId,
} from "@ameide-ext/contract";
import { feelSyntaxError, MAX_FEEL_SOURCE_LENGTH, type Mapping } from "./feel-mapping.js";

/** An Extension Task as written: in BPMN (read by readExtensionTasks) or in code (defineExtensionTask). */
export interface ExtensionTaskSpec {
  /** The BPMN element's id ("price-deal"); part of the correlation id of each run. */
  taskId: string;
  /** The element's name, for people. */
  name?: string | undefined;
  /** The id of the process that holds the task. */
  processId?: string | undefined;
  /** The extension to invoke, by the registry's id rule (lowercase kebab-case starting with a letter, at most 64 characters). */
  extensionId: string;
  /** "3", or "latest". Default "latest". */
  version?: string | undefined;
  /** Process variables → the extension's input. None: the input is all the variables. */
  inputs?: readonly Mapping[] | undefined;
  /** The extension's output → process variables. None: the output's fields are merged into the variables. */
  outputs?: readonly Mapping[] | undefined;
}

/** A checked Extension Task, defaults filled in, frozen. */
export interface ExtensionTaskDefinition {
  readonly taskId: string;
  readonly name?: string | undefined;
  readonly processId?: string | undefined;
  readonly extensionId: string;
  readonly version: string;
  readonly inputs: readonly Mapping[];
  readonly outputs: readonly Mapping[];
}

/** The most mappings a task may have each way (inputs, outputs): more is a model no one can read. */
export const MAX_MAPPINGS_PER_TASK = 1_000;

/** A version name as the runtime's catalog has it ("3", "1.2.0"), or "latest". */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
/** A BPMN element id (an XML NCName without ':'), at most 255 characters: quoted in messages, part of correlation ids. */
const TASK_ID = /^[\p{L}_][\p{L}\p{N}_.-]{0,254}$/u;
/** A variable name, or a dotted path into one. */
const TARGET = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Path segments that would write into an object's prototype instead of a variable. */
const FORBIDDEN_SEGMENTS = new Set(["__proto__", "constructor", "prototype"]);

function refuse(taskId: string, message: string, details: Record<string, unknown>): never {
  throw new ExtensionError("invalid_argument", `Extension Task "${taskId}": ${message}`, "invalid_manifest", {
    taskId,
    ...details,
  });
}

function checkTarget(taskId: string, field: string, target: unknown, earlier: readonly string[]): void {
  const text = String(target);
  if (typeof target !== "string" || !TARGET.test(target))
    refuse(
      taskId,
      `target ${JSON.stringify(target)} is not a variable name or a dotted path like "deal.amount"`,
      {
        field,
        target,
      },
    );
  if (text.split(".").some((s) => FORBIDDEN_SEGMENTS.has(s)))
    refuse(taskId, `target ${JSON.stringify(text)} names an object's prototype; choose another name`, {
      field,
      target,
    });
  const clash = earlier.find((t) => t === text || text.startsWith(`${t}.`) || t.startsWith(`${text}.`));
  if (clash !== undefined)
    refuse(
      taskId,
      `two mappings write to target ${JSON.stringify(text)}${clash === text ? "" : ` (and ${JSON.stringify(clash)} overlaps it)`}; keep one`,
      { field, target, clashesWith: clash },
    );
}

function checkMappings(taskId: string, kind: "inputs" | "outputs", mappings: readonly Mapping[]): Mapping[] {
  if (!Array.isArray(mappings))
    refuse(taskId, `${kind} is ${typeof mappings}, not an array of { source, target }`, { field: kind });
  if (mappings.length > MAX_MAPPINGS_PER_TASK)
    refuse(
      taskId,
      `${kind} has ${mappings.length} mappings, the limit is ${MAX_MAPPINGS_PER_TASK}; map an object instead of its fields`,
      { field: kind, limit: MAX_MAPPINGS_PER_TASK, actual: mappings.length },
    );
  const targets: string[] = [];
  return mappings.map((m, i) => {
    const field = `${kind}[${i}]`;
    if (typeof m !== "object" || m === null || typeof m.source !== "string" || m.source === "")
      refuse(taskId, `${field} has no source; give a FEEL expression such as "=deal.amount" or a constant`, {
        field: `${field}.source`,
        expression: (m as Partial<Mapping> | null)?.source,
      });
    if (m.source.length > MAX_FEEL_SOURCE_LENGTH)
      refuse(
        taskId,
        `${field} source is ${m.source.length} characters, the limit is ${MAX_FEEL_SOURCE_LENGTH}; compute it in the extension`,
        { field: `${field}.source`, limit: MAX_FEEL_SOURCE_LENGTH, actual: m.source.length },
      );
    const syntax = feelSyntaxError(m.source);
    if (syntax)
      refuse(taskId, `${field} source ${JSON.stringify(m.source)} is not valid FEEL: ${syntax.message}`, {
        field: `${field}.source`,
        expression: m.source,
        position: syntax.position,
      });
    checkTarget(taskId, `${field}.target`, m.target, targets);
    targets.push(m.target);
    return { source: m.source, target: m.target };
  });
}

/**
 * Checks an Extension Task and fills in its defaults: what readExtensionTasks
 * does for each task of a BPMN file, for engines that do not read BPMN.
 * Throws `invalid_argument/invalid_manifest`, with the task id, the field and
 * the offending value or expression in `details`, for a malformed extension
 * id or version, a FEEL syntax error, a malformed target, or two mappings to
 * one target.
 */
export function defineExtensionTask(spec: ExtensionTaskSpec): ExtensionTaskDefinition {
  const taskId = spec.taskId;
  if (typeof taskId !== "string" || taskId.trim() === "")
    refuse(String(taskId), "the task has no id; give the BPMN element's id", {
      field: "taskId",
      value: taskId,
    });
  if (!TASK_ID.test(taskId))
    refuse(
      JSON.stringify(taskId.slice(0, 80)).slice(1, -1),
      "the task id is not a BPMN id: a letter or _, then letters, digits, _ . -, at most 255 characters",
      { field: "taskId", value: taskId.slice(0, 255) },
    );
  if (!isExtensionId(spec.extensionId))
    refuse(
      taskId,
      `extension id ${JSON.stringify(spec.extensionId)} is malformed: it must match ${EXTENSION_ID_PATTERN} and have ${EXTENSION_ID_LENGTH.min} to ${EXTENSION_ID_LENGTH.max} characters`,
      { field: "extensionId", value: spec.extensionId },
    );
  const version = spec.version ?? "latest";
  if (typeof version !== "string" || !VERSION.test(version))
    refuse(
      taskId,
      `version ${JSON.stringify(version)} is malformed: give "latest" or a version such as "3"`,
      {
        field: "version",
        value: version,
      },
    );
  return Object.freeze({
    taskId,
    ...(spec.name === undefined ? {} : { name: spec.name }),
    ...(spec.processId === undefined ? {} : { processId: spec.processId }),
    extensionId: spec.extensionId,
    version,
    inputs: Object.freeze(checkMappings(taskId, "inputs", spec.inputs ?? [])),
    outputs: Object.freeze(checkMappings(taskId, "outputs", spec.outputs ?? [])),
  });
}
