import type { ExtensionError } from "@ameide-ext/contract";
import type { BuildDiagnostic } from "@ameide-ext/pdk";
import type { HookStats } from "@ameide-ext/toolkit";
import {
  DEFAULT_HOOK_LANGUAGE,
  displayPath,
  formatBytes,
  formatCount,
  formatMs,
  formatUsage,
  type HookManifest,
  limitUsage,
} from "@ameide-ext/toolkit";

export { formatBytes };

/** `0.7%`, `12%`, `100%`. */
export function percent(ratio: number): string {
  const p = ratio * 100;
  if (p > 0 && p < 0.1) return "<0.1%";
  return `${p < 10 ? Number(p.toFixed(1)) : Math.floor(p)}%`;
}

/** A bar of `width` cells: `▇▇░░░░░░░░` for 20%; a use too small for one cell shows as a thin `▏`. */
export function bar(ratio: number, width = 10): string {
  const filled = Math.min(width, Math.max(0, Math.round(ratio * width)));
  if (filled === 0 && ratio > 0) return `▏${"░".repeat(width - 1)}`;
  return "▇".repeat(filled) + "░".repeat(width - filled);
}

/** `deal-approval v1 · process_hook · risk low · cpu 5 ms · memory 16 MiB · timeout 50 ms`. */
export function hookHeader(m: HookManifest): string {
  // AssemblyScript is the default and goes unsaid; another language is worth a word.
  const lang = m.lang === DEFAULT_HOOK_LANGUAGE ? "" : ` · ${m.lang}`;
  return `${m.id} v${m.version} · ${m.kind}${lang} · risk ${m.risk_tier} · cpu ${m.limits.cpu_millis} ms · memory ${m.limits.memory_mb} MiB · timeout ${m.limits.timeout_ms} ms`;
}

/** `fuel 36.7k of 5M (0.7%) · memory 64 KiB of 16 MiB (0.4%) · output 65 B of 64 KiB (0.1%) · 84 µs of 50 ms`. */
export function statsLine(stats: HookStats): string {
  return limitUsage(stats)
    .map(
      (u) =>
        `${u.limit === "time" ? "" : `${u.limit} `}${formatUsage(u)}${u.limit === "time" ? "" : ` (${percent(u.ratio)})`}`,
    )
    .join(" · ");
}

/** One stat for display; `judged` rows warn at 80% and fail at 100%, the others (host calls) only inform. */
export interface StatRow {
  label: string;
  ratio: number;
  text: string;
  judged: boolean;
}

/** The stats as rows: fuel, memory, time, output, host calls. */
export function statsRows(stats: HookStats): StatRow[] {
  const rows: StatRow[] = limitUsage(stats).map((u) => ({
    label: u.limit,
    ratio: u.ratio,
    text: formatUsage(u),
    judged: true,
  }));
  rows.push({
    label: "host calls",
    ratio: stats.hostCallsLimit > 0 ? stats.hostCalls / stats.hostCallsLimit : 0,
    text: `${stats.hostCalls} of ${stats.hostCallsLimit}`,
    judged: false,
  });
  return rows;
}

export { formatCount, formatMs };

/** Diagnostics of a compile error, like a compiler prints them, paths relative to `cwd`. */
export async function compileDiagnostics(
  error: ExtensionError,
  cwd: string,
): Promise<{ text: string; count: number } | undefined> {
  const diagnostics = error.details?.diagnostics;
  if (error.reason !== "compile_error" || !Array.isArray(diagnostics)) return undefined;
  // Loaded already: the build that failed imported it.
  const { formatBuildDiagnostic } = await import("@ameide-ext/pdk");
  const text = (diagnostics as BuildDiagnostic[])
    .map((d) => formatBuildDiagnostic(d, displayPath(cwd, d.file)))
    .join("\n");
  return { text, count: diagnostics.length };
}

/** How a failed command's error is headed: `error (invalid_argument/compile_error)`. */
export function errorHeading(error: ExtensionError): string {
  return `error (${error.code}${error.reason ? `/${error.reason}` : ""})`;
}

/** The lines of a failed command's error, for humans. */
export async function describeFailure(error: ExtensionError, cwd: string): Promise<string> {
  const diagnostics = await compileDiagnostics(error, cwd);
  if (diagnostics !== undefined) {
    const n = diagnostics.count;
    return `the hook does not compile (${n} ${n === 1 ? "error" : "errors"}):\n${diagnostics.text}`;
  }
  return error.message;
}
