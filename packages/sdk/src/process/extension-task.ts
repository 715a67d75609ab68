import { ExtensionError, isExtensionError } from "@ameide-ext/contract";
import { consumerRef } from "../consumer-ref.js";
import type { RuntimeClient } from "../runtime-client.js";
import { withinTime } from "../within-time.js";
import { BpmnError } from "./bpmn-error.js";
import type { ExtensionTaskDefinition } from "./extension-task-definition.js";
import {
  evaluateSource,
  FEEL_EVALUATION_TIMEOUT_MS,
  MAX_FEEL_VALUE_BYTES,
  type Mapping,
  toJsonValue,
} from "./feel-mapping.js";
import { executionContextOf, type ProcessContext } from "./process-context.js";

/** A process instance's variables, as JSON data. */
export type ProcessVariables = Record<string, unknown>;

/** Options of {@link extensionTask}. */
export interface ExtensionTaskOptions {
  /** Deadline of each invocation in milliseconds, retries included. Default the client's `timeoutMs`. */
  timeoutMs?: number | undefined;
}

/** Per-run options of an {@link ExtensionTaskRunner}. */
export interface ExtensionTaskRunOptions {
  /** Cancels the invocation (e.g. the engine's cancellation of the job or activity). */
  signal?: AbortSignal | undefined;
}

/**
 * One run of an Extension Task: the variables in, the variables with the
 * outputs written, out (a new object; the argument is left as it was).
 */
export type ExtensionTaskRunner = (
  variables: ProcessVariables,
  process: ProcessContext,
  run?: ExtensionTaskRunOptions,
) => Promise<ProcessVariables>;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `target` ("deal.approved") set to `value` in a copy of `into`, copying each object on the path. */
function setPath(into: Record<string, unknown>, target: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = target.split(".") as [string, ...string[]];
  const copy = { ...into };
  const inner = isPlainObject(copy[head]) ? (copy[head] as Record<string, unknown>) : {};
  copy[head] = rest.length === 0 ? value : setPath(inner, rest.join("."), value);
  return copy;
}

/** The value of mapping `i` against `context`, as JSON; throws, with the task and the expression, what stops it. */
function mappedValue(
  task: ExtensionTaskDefinition,
  kind: "inputs" | "outputs",
  m: Mapping,
  i: number,
  context: Record<string, unknown>,
): unknown {
  const field = `${kind}[${i}].source`;
  const where = `Extension Task "${task.taskId}": ${field} ${JSON.stringify(m.source)}`;
  const details = { taskId: task.taskId, field, expression: m.source };
  let value: ReturnType<typeof toJsonValue>;
  try {
    value = toJsonValue(evaluateSource(m.source, context));
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `${where} failed: ${(cause as Error).message}`,
      "invalid_input",
      details,
    );
  }
  if ("tooLarge" in value)
    throw new ExtensionError(
      "resource_exhausted",
      `${where} gives ${value.tooLarge} bytes of JSON, the limit is ${MAX_FEEL_VALUE_BYTES}; map less data`,
      kind === "inputs" ? "input_size" : "output_size",
      { ...details, limit: MAX_FEEL_VALUE_BYTES, actual: value.tooLarge },
    );
  if ("unserializable" in value)
    throw new ExtensionError(
      "invalid_argument",
      `${where} gives ${value.unserializable}, which JSON cannot carry; map it to data`,
      "invalid_input",
      details,
    );
  return value.value;
}

/**
 * Evaluates `mappings` against `context` and writes each value at its target in `into`, all of them
 * within {@link FEEL_EVALUATION_TIMEOUT_MS} together (feelin has no budget of its own: a loop over a huge
 * range or a backtracking `matches()` would hold the worker).
 */
function applyMappings(
  task: ExtensionTaskDefinition,
  kind: "inputs" | "outputs",
  mappings: readonly Mapping[],
  context: Record<string, unknown>,
  into: Record<string, unknown>,
): Record<string, unknown> {
  let at = 0;
  const done = withinTime(
    () =>
      mappings.reduce((acc, m, i) => {
        at = i;
        const value = mappedValue(task, kind, m, i, context);
        // An input that is null is left out: FEEL gives null for a variable the process lacks, and an
        // absent field is what an extension's required fields (and its input schema) catch.
        if (kind === "inputs" && value === null) return acc;
        return setPath(acc, m.target, value);
      }, into),
    FEEL_EVALUATION_TIMEOUT_MS,
  );
  if (done) return done.value;
  const field = `${kind}[${at}].source`;
  const source = mappings[at]?.source ?? "";
  throw new ExtensionError(
    "resource_exhausted",
    `Extension Task "${task.taskId}": the ${kind} mappings ran longer than ${FEEL_EVALUATION_TIMEOUT_MS} ms, stopped at ${field} ${JSON.stringify(source)}; simplify them (no loop over a large range, no backtracking regex)`,
    "timeout",
    { taskId: task.taskId, field, expression: source, limit: FEEL_EVALUATION_TIMEOUT_MS },
  );
}

/** The variables with the output written back: by the output mappings, or the output's fields merged. */
function writeOutputs(
  task: ExtensionTaskDefinition,
  variables: ProcessVariables,
  output: unknown,
): ProcessVariables {
  if (task.outputs.length > 0) {
    const context = isPlainObject(output) ? output : { result: output };
    return applyMappings(task, "outputs", task.outputs, context, variables);
  }
  if (isPlainObject(output)) return { ...variables, ...output };
  throw new ExtensionError(
    "internal",
    `Extension Task "${task.taskId}": ${task.extensionId} returned ${Array.isArray(output) ? "an array" : typeof output}, not an object, and the task has no output mapping to place it; add an ameide:output with source "=result"`,
    "invalid_output",
    { taskId: task.taskId, extensionId: task.extensionId },
  );
}

/** A technical error, as thrown by the client, with the task it failed in added to its details. */
function withTask(task: ExtensionTaskDefinition, cause: unknown): unknown {
  if (!isExtensionError(cause)) return cause;
  return new ExtensionError(cause.code, cause.message, cause.reason, {
    ...cause.details,
    taskId: task.taskId,
    extensionId: task.extensionId,
  });
}

/** Refuses variables that are not a JSON object, before anything is evaluated or sent. */
function checkVariables(task: ExtensionTaskDefinition, variables: unknown): void {
  if (isPlainObject(variables)) return;
  const what = variables === null ? "null" : Array.isArray(variables) ? "an array" : `a ${typeof variables}`;
  throw new ExtensionError(
    "invalid_argument",
    `Extension Task "${task.taskId}": the variables are ${what}, not an object; pass the instance's variables`,
    "invalid_input",
    { taskId: task.taskId, field: "variables" },
  );
}

/**
 * The runner of an Extension Task for a process engine: gathers the input by
 * the input mappings (FEEL against the variables; a null value, such as a
 * missing variable's, leaves its target out; no mappings, all the
 * variables), builds the ExecutionContext from the process context (the
 * correlation id is `${processInstanceId}/${taskId}` unless given), invokes
 * the extension, and writes the output back by the output mappings (FEEL
 * against the output; no mappings, its fields merged).
 *
 * A business error is thrown as a {@link BpmnError} (for a boundary error
 * event); a technical error as the ExtensionError it is, which the engine
 * should retry only when {@link isRetryable} says so.
 */
export function extensionTask(
  client: RuntimeClient,
  task: ExtensionTaskDefinition,
  options: ExtensionTaskOptions = {},
): ExtensionTaskRunner {
  return async (variables, process, run = {}) => {
    checkVariables(task, variables);
    const ctx = executionContextOf(process, task.taskId);
    const input =
      task.inputs.length > 0 ? applyMappings(task, "inputs", task.inputs, variables, {}) : variables;
    let result: Awaited<ReturnType<RuntimeClient["invoke"]>>;
    try {
      result = await client.invoke({
        extensionId: task.extensionId,
        version: task.version,
        ctx,
        input,
        hookPoint: `process/${task.taskId}`,
        // The registry pins a process by its BPMN process id: its "latest" runs the pinned version.
        consumerRef: consumerRef("process", task.processId),
        timeoutMs: options.timeoutMs,
        signal: run.signal,
        userToken: process.userToken,
      });
    } catch (cause) {
      throw withTask(task, cause);
    }
    if (result.outcome === "business_error") {
      const { code, message, details } = result.businessError;
      throw new BpmnError(code, message, details, {
        taskId: task.taskId,
        extensionId: task.extensionId,
        resolvedVersion: result.resolvedVersion,
      });
    }
    return writeOutputs(task, variables, result.output);
  };
}
