import { ExtensionError } from "@ameide-ext/contract";
import { isAgent, RULES, refuse } from "./governance.js";

// The compile budget per caller: the shared compile worker is the registry's scarcest resource, and
// agent_rate counts versions, not compiles. A caller that uploads broken sources over and over would
// keep the worker busy for every tenant; this caps each caller's compiles per minute and at once,
// refused before any work (no transaction, no queued compile). Counted in this process's memory.

/** One class of callers' compile budget. */
export interface CompileBudgetLimits {
  /** Compiles (accepted RequestCompile) per caller in the last minute, 1 to 10,000. */
  perMinute: number;
  /** Compiles per caller queued or running at once, 1 to 64. */
  concurrent: number;
}

/** The compile budget as configured; each field absent takes the default's. */
export interface CompileBudgetOptions {
  /** Every caller that is not an agent (`user:`, `service:`). Default 30 per minute, 4 at once. */
  callers?: Partial<CompileBudgetLimits> | undefined;
  /** Agents (`agent:<id>`), each on its own. Default 6 per minute, 1 at once. */
  agents?: Partial<CompileBudgetLimits> | undefined;
}

/** The defaults: agents are held tighter than people. */
export const DEFAULT_COMPILE_BUDGET: Readonly<Record<"callers" | "agents", Readonly<CompileBudgetLimits>>> =
  Object.freeze({
    callers: Object.freeze({ perMinute: 30, concurrent: 4 }),
    agents: Object.freeze({ perMinute: 6, concurrent: 1 }),
  });
/** The highest `perMinute`. */
export const MAX_COMPILES_PER_MINUTE = 10_000;
/** The highest `concurrent`. */
export const MAX_CONCURRENT_COMPILES = 64;
/** The window of `perMinute`, in milliseconds. */
export const COMPILE_RATE_WINDOW_MS = 60_000;
/** The retry-after of a refusal for concurrency: a hint to poll, as a compile's end cannot be known. */
export const CONCURRENT_RETRY_AFTER_SECONDS = 5;

/** One refusal, for the listener (a log line, a metric). */
export interface CompileRefusal {
  caller: string;
  /** Which limit: the number per minute or the number at once. */
  per: "minute" | "concurrent";
  limit: number;
  /** The caller's refusals since the process started. */
  refusedTotal: number;
}

/** One accepted compile's hold on its caller's budget. */
export interface CompileTicket {
  /** The compile ended: frees its place among the caller's concurrent compiles (it still counts in the minute). */
  release(): void;
  /** The compile never started (its request was refused later): gives back both places. */
  cancel(): void;
}

/** The compile budget of every caller. */
export interface CompileBudget {
  /** Takes a compile for `caller` at `now` (ms), or throws `resource_exhausted` with rule `compile_rate`. */
  take(caller: string, now: number): CompileTicket;
  /** The limits that apply to `caller`. */
  limitsOf(caller: string): CompileBudgetLimits;
  /** Refusals so far, per caller. */
  refusals(): Record<string, number>;
}

/** Where the budget is configured, for the `fix` of a refusal. */
const CONFIGURED_IN = "the registry config's compile_budget";

/** Builds the budget, its settings checked once. `onRefused` hears of every refusal. */
export function createCompileBudget(
  options: CompileBudgetOptions = {},
  onRefused: (refusal: CompileRefusal) => void = () => {},
): CompileBudget {
  const agents = checkedLimits("agents", { ...DEFAULT_COMPILE_BUDGET.agents, ...defined(options.agents) });
  const callers = checkedLimits("callers", {
    ...DEFAULT_COMPILE_BUDGET.callers,
    ...defined(options.callers),
  });
  const limitsOf = (caller: string) => (isAgent(caller) ? agents : callers);
  const started = new Map<string, number[]>();
  const running = new Map<string, number>();
  const refused = new Map<string, number>();

  const refuseFor = (
    caller: string,
    per: CompileRefusal["per"],
    limit: number,
    retryAfterSeconds: number,
  ) => {
    const refusedTotal = (refused.get(caller) ?? 0) + 1;
    refused.set(caller, refusedTotal);
    onRefused({ caller, per, limit, refusedTotal });
    const fix = `retry after ${retryAfterSeconds} s, fix the sources locally first (ameide-ext build and test), or raise compile_budget in ${CONFIGURED_IN}`;
    const what = per === "minute" ? `${limit} compiles per minute` : `${limit} compile(s) at once`;
    return refuse("resource_exhausted", RULES.compileRate, `${caller} asked for more than ${what}: ${fix}`, {
      caller,
      per,
      limit,
      actual: limit,
      retryAfterSeconds,
      fix,
    });
  };

  return {
    limitsOf,
    refusals: () => Object.fromEntries(refused),
    take(caller, now) {
      const limits = limitsOf(caller);
      const recent = (started.get(caller) ?? []).filter((t) => t > now - COMPILE_RATE_WINDOW_MS);
      started.set(caller, recent);
      if ((running.get(caller) ?? 0) >= limits.concurrent)
        throw refuseFor(caller, "concurrent", limits.concurrent, CONCURRENT_RETRY_AFTER_SECONDS);
      if (recent.length >= limits.perMinute) {
        const oldest = recent[0] ?? now;
        const wait = Math.max(1, Math.ceil((oldest + COMPILE_RATE_WINDOW_MS - now) / 1000));
        throw refuseFor(caller, "minute", limits.perMinute, wait);
      }
      recent.push(now);
      running.set(caller, (running.get(caller) ?? 0) + 1);
      let held = true;
      const free = () => {
        if (!held) return false;
        held = false;
        const n = (running.get(caller) ?? 1) - 1;
        if (n > 0) running.set(caller, n);
        else running.delete(caller);
        return true;
      };
      return {
        release: () => void free(),
        cancel() {
          if (!free()) return;
          const list = started.get(caller) ?? [];
          const at = list.lastIndexOf(now);
          if (at >= 0) list.splice(at, 1);
        },
      };
    },
  };
}

function defined(limits: Partial<CompileBudgetLimits> | undefined): Partial<CompileBudgetLimits> {
  return Object.fromEntries(Object.entries(limits ?? {}).filter(([, v]) => v !== undefined));
}

function checkedLimits(who: string, limits: CompileBudgetLimits): CompileBudgetLimits {
  const bad = (what: string) =>
    new ExtensionError("invalid_argument", `compile_budget.${who}: ${what}`, "invalid_manifest");
  const { perMinute, concurrent } = limits;
  if (!(Number.isInteger(perMinute) && perMinute >= 1 && perMinute <= MAX_COMPILES_PER_MINUTE))
    throw bad(`per_minute is ${perMinute}, it must be an integer from 1 to ${MAX_COMPILES_PER_MINUTE}`);
  if (!(Number.isInteger(concurrent) && concurrent >= 1 && concurrent <= MAX_CONCURRENT_COMPILES))
    throw bad(`concurrent is ${concurrent}, it must be an integer from 1 to ${MAX_CONCURRENT_COMPILES}`);
  return Object.freeze({ perMinute, concurrent });
}
