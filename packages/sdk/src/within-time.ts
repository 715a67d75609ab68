import vm from "node:vm";

// Synchronous work a tenant shapes (a FEEL expression, a JSON Schema's `pattern`) cannot be bounded from the
// outside: the job runs from a script in a context of its own, whose `timeout` makes V8 terminate it (a loop,
// a backtracking regex) and throw. The budget is wall time (a loaded host counts against it: trivial jobs
// took over 100 ms on a busy 2-core machine), so it is a guard against the pathological, not a fine limit.
const sandbox = vm.createContext({ job: undefined as (() => unknown) | undefined });
const runJob = new vm.Script("job()");

/**
 * `job()`'s value, or undefined when it ran longer than `timeoutMs` and was
 * stopped. Any other throw is rethrown as it is.
 */
export function withinTime<T>(job: () => T, timeoutMs: number): { value: T } | undefined {
  sandbox.job = job;
  try {
    return { value: runJob.runInContext(sandbox, { timeout: timeoutMs }) as T };
  } catch (cause) {
    if ((cause as { code?: unknown } | null)?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return undefined;
    throw cause;
  } finally {
    sandbox.job = undefined;
  }
}
