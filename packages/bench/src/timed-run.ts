import {
  type Engine,
  ExtensionError,
  type ExtensionLimits,
  LIMIT_BOUNDS,
  type LoadedExtension,
} from "@ameide-ext/runtime";

/** Limits for the long guests: the largest CPU and time budgets, so that fuel never ends a run. */
export const LONG_RUN_LIMITS: Readonly<Pick<ExtensionLimits, "cpuMillis" | "timeoutMs">> = Object.freeze({
  cpuMillis: LIMIT_BOUNDS.cpuMillis.max,
  timeoutMs: LIMIT_BOUNDS.timeoutMs.max,
});

/** One timed invocation. */
export interface TimedRun {
  /** Wall-clock time of the whole inline invocation, in ms. */
  ms: number;
  /** Fuel the runtime charged (0 on an unmetered engine). */
  fuelUsed: number;
  /** The guest's output. */
  output: string;
}

/**
 * Runs one inline invocation with {@link LONG_RUN_LIMITS} and times it with
 * `performance.now`; for runs of milliseconds, where the timer costs nothing.
 */
export function timedRun(engine: Engine, ext: LoadedExtension, input: string): TimedRun {
  const started = performance.now();
  const r = engine.invokeInline(ext, { input, limits: LONG_RUN_LIMITS });
  const ms = performance.now() - started;
  if (r.outcome !== "ok" || r.output === undefined) {
    throw new ExtensionError("internal", `a timed run failed: ${JSON.stringify(r.error ?? r.businessError)}`);
  }
  return { ms, fuelUsed: r.stats.fuelUsed, output: r.output };
}
