/**
 * `npm run calibrate:cost`: runs the cost corpus (guests/cost/) until fuel
 * runs out, inline and in the worker pool, and the AS and TS deal rules in a
 * loop (hooks/deal-approval-loop, -loop-ts) the same way;
 * prints the per-guest table, the goals and suggested weights; writes
 * bench-results/cost.json. Options: --cpu-millis=5,50 --runs=5 --guests=a,b
 * --no-hooks --cold (also each guest's first invocation on a fresh engine)
 * --meter=uniform (the metering before the cost model, for comparison)
 * --timeout-ms=60000 (each invocation's wall-clock limit). Exit codes: 0 done (whatever the goals say), 1 failed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildDealLoopHooks } from "./build-deal-hook.js";
import { DEAL_INPUT } from "./deal-approval.js";
import { formatCostReport } from "./format-cost-report.js";
import { type CostHook, runCostCalibration } from "./run-cost-calibration.js";

const { values } = parseArgs({
  options: {
    "cpu-millis": { type: "string", default: "5,50" },
    runs: { type: "string", default: "5" },
    guests: { type: "string" },
    "no-hooks": { type: "boolean", default: false },
    cold: { type: "boolean", default: false },
    meter: { type: "string", default: "block" },
    "timeout-ms": { type: "string", default: "60000" },
  },
});

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function hooks(): Promise<CostHook[]> {
  if (values["no-hooks"]) return [];
  progress("building the looping AS and TS deal-rule hooks (child processes)");
  return (await buildDealLoopHooks()).map((h) => ({ ...h, input: DEAL_INPUT, memoryMb: 1024 }));
}

async function main(): Promise<number> {
  const c = await runCostCalibration({
    cpuMillis: values["cpu-millis"].split(",").map(Number),
    runs: Number(values.runs),
    ...(values.guests ? { guests: values.guests.split(",") } : {}),
    hooks: await hooks(),
    cold: values.cold,
    meter: values.meter === "uniform" ? "uniform" : "block",
    timeoutMs: Number(values["timeout-ms"]),
    progress,
  });
  process.stdout.write(`${formatCostReport(c)}\n`);
  const dir = fileURLToPath(new URL("../../../bench-results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}cost.json`,
    `${JSON.stringify({ schema: "ameide-ext/bench-cost@1", ...c }, null, 2)}\n`,
  );
  return 0;
}

const code = await main().catch((cause: unknown) => {
  progress(
    `calibrate:cost: failed: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`,
  );
  return 1;
});
process.exit(code);
