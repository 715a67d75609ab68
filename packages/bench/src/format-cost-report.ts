import { COST_MODEL, FUEL_PER_CPU_MILLI } from "@ameide-ext/runtime";
import type { CostSample } from "./measure-cost.js";
import type { CostCalibration } from "./run-cost-calibration.js";
import { TARGET_RATIO } from "./suggest-weights.js";

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "-");
const int = (x: number) => Math.round(x).toLocaleString("en-US");

/** CPU ms and ratio; an invocation that fuel did not end says how it ended (its CPU time is then a floor). */
function cells(s: CostSample | undefined): string {
  if (!s) return "- | -";
  const mark = s.ending === "fuel" ? "" : ` (${s.ending})`;
  return `${fmt(s.cpuMs)}${mark} | ${fmt(s.ratio)}${mark}`;
}

/** One row per guest and cpu_millis: fuel, then CPU ms and ratio inline and in the pool. */
function tableRows(samples: readonly CostSample[]): string[] {
  const keys = new Map<string, { inline?: CostSample; pool?: CostSample }>();
  for (const s of samples) {
    const key = `${s.guest}\u0000${s.cpuMillis}`;
    const row = keys.get(key) ?? {};
    row[s.path] = s;
    keys.set(key, row);
  }
  const rows: string[] = [];
  for (const { inline, pool } of keys.values()) {
    const any = (inline ?? pool) as CostSample;
    rows.push(
      `| ${any.guest} | ${fmt(any.cpuMillis, any.cpuMillis < 1 ? 3 : 0)} | ${int(any.fuel)} | ` +
        `${cells(inline)} | ${cells(pool)} |`,
    );
  }
  return rows;
}

/** The per-guest cost table (Markdown), the goals, and the suggested weights. */
export function formatCostReport(c: CostCalibration): string {
  const lines = [
    "Cost model: CPU time of an invocation that runs until its fuel runs out, against its cpu_millis",
    `  meter: ${c.meter === "uniform" ? "uniform (1 per instruction, the metering before the cost model)" : "the cost model"}; FUEL_PER_CPU_MILLI = ${int(FUEL_PER_CPU_MILLI)}; node flags: ${c.execArgv.filter((a) => a.startsWith("--") && !a.startsWith("--conditions") && !a.startsWith("--import")).join(" ") || "(none)"}`,
    "",
    "| guest | cpu_millis | fuel | inline CPU ms | inline ratio | pool CPU ms | pool ratio |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...tableRows(c.samples),
    "",
  ];
  if (c.coldSamples.length > 0) {
    lines.push(
      "First invocation of each guest on a fresh engine and pool worker (compilation and tier-up included; outside the goals):",
      "",
      "| guest | cpu_millis | fuel | inline CPU ms | inline ratio | pool CPU ms | pool ratio |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...tableRows(c.coldSamples),
      "",
    );
  }
  for (const g of c.goals) {
    lines.push(
      `  ${g.path}: worst ratio ${fmt(g.maxRatio)} (goal ≤ 1.0), median ${fmt(g.medianRatio)} (goal ≥ 0.4): ${g.pass ? "PASS" : "MISS"}`,
    );
  }
  const s = c.suggestion;
  lines.push("", `  suggested (worst ratio of each class brought to ${TARGET_RATIO}):`);
  lines.push(`    FUEL_PER_CPU_MILLI ${int(FUEL_PER_CPU_MILLI)} -> ${int(s.fuelPerCpuMilli)}`);
  for (const [k, v] of Object.entries(s.weights)) {
    const now = COST_MODEL[k as keyof typeof COST_MODEL];
    lines.push(`    ${k.padEnd(20)} ${int(now).padStart(8)} -> ${int(v)}`);
  }
  return lines.join("\n");
}
