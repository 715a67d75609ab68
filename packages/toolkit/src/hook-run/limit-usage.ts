import { formatBytes, type InvocationStats } from "@ameide-ext/contract";
/** Usage at or above this share of a limit gives a warning. */
export const WARN_RATIO = 0.8;

/** Usage at or above this share of a limit fails a test case. */
export const FAIL_RATIO = 1;

/**
 * What one invocation used, against its limits: the contract's InvocationStats, by the same names (`durationUs`
 * measured warm, as in a long-lived engine), and the two limits the CLI also shows. `fuelUsed`,
 * `peakMemoryBytes`, `outputBytes` are deterministic.
 */
export interface HookStats extends InvocationStats {
  /** Wall-clock limit (`timeout_ms`), in milliseconds. */
  timeoutMs: number;
  /** Host calls allowed per invocation. */
  hostCallsLimit: number;
}

/** The limits a case is measured against. */
export type LimitName = "fuel" | "memory" | "time" | "output";

/** One limit's usage. */
export interface LimitUsage {
  /** Which limit. */
  limit: LimitName;
  /** How much was used. */
  used: number;
  /** The limit. */
  max: number;
  /** used / max. */
  ratio: number;
  /** `ok` under 80%, `warn` from 80%, `over` at 100% and above. */
  level: "ok" | "warn" | "over";
}

/** Usage of each limit, in a fixed order: fuel, memory, time, output. */
export function limitUsage(stats: HookStats): LimitUsage[] {
  const pairs: Array<[LimitName, number, number]> = [
    ["fuel", stats.fuelUsed, stats.fuelLimit],
    ["memory", stats.peakMemoryBytes, stats.memoryLimitBytes],
    ["time", stats.durationUs / 1000, stats.timeoutMs],
    ["output", stats.outputBytes, stats.outputLimitBytes],
  ];
  return pairs.map(([limit, used, max]) => {
    const ratio = max > 0 ? used / max : 0;
    return {
      limit,
      used,
      max,
      ratio,
      level: ratio >= FAIL_RATIO ? "over" : ratio >= WARN_RATIO ? "warn" : "ok",
    };
  });
}

/** `4.1M of 5M instructions`, `64 KiB of 16 MiB`, `3.2 ms of 50 ms`. */
export function formatUsage(u: Pick<LimitUsage, "limit" | "used" | "max">): string {
  switch (u.limit) {
    case "fuel":
      return `${formatCount(u.used)} of ${formatCount(u.max)} instructions`;
    case "time":
      return `${formatMs(u.used)} of ${formatMs(u.max)}`;
    default:
      return `${formatBytes(u.used)} of ${formatBytes(u.max)}`;
  }
}

/** A sentence for a limit at or over 80%: `fuel at 86% of the budget (4.3M of 5M instructions)`. */
export function describeUsage(u: LimitUsage): string {
  const pct = `${Math.floor(u.ratio * 100)}%`;
  const what = {
    fuel: "the fuel budget",
    memory: "the memory cap",
    time: "the timeout",
    output: "the output limit",
  }[u.limit];
  return `${u.limit} at ${pct} of ${what} (${formatUsage(u)})`;
}

/** Bytes as the runtime's messages quote them (the contract's formatter, light to import). */
export { formatBytes };

/** 12,345 → `12.3k`, 4,300,000 → `4.3M`. */
export function formatCount(n: number): string {
  if (n >= 1e6) return `${trim(n / 1e6)}M`;
  if (n >= 1e3) return `${trim(n / 1e3)}k`;
  return String(n);
}

/** Milliseconds, readable: `84 µs`, `3.2 ms`, `1.4 s`. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${trim(ms)} ms`;
  return `${trim(ms / 1000)} s`;
}

function trim(n: number): string {
  return n >= 100 ? n.toFixed(0) : Number(n.toFixed(1)).toString();
}
