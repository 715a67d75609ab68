import type { L2oRun } from "./l2o-flow.js";

function labelOf(run: L2oRun): string {
  if (run.refusal !== undefined) return run.refusal.code;
  const approval = run.variables.approval as { route?: unknown } | undefined;
  return String(approval?.route ?? "?");
}

function noteOf(run: L2oRun): string {
  if (run.refusal !== undefined) return run.refusal.message;
  const reasons = (run.variables.approval as { reasons?: unknown } | undefined)?.reasons;
  return Array.isArray(reasons) && reasons.length > 0 ? `reasons: ${reasons.join(", ")}` : "";
}

/** One line per run: the deal, the route (or the business error's code), the path taken and why. */
export function formatRun(run: L2oRun): string {
  const deal = run.variables.deal as { id?: unknown } | undefined;
  const note = noteOf(run);
  return `${String(deal?.id ?? "?").padEnd(8)} ${labelOf(run).padEnd(15)} ${run.path.join(" -> ")}${note ? `  (${note})` : ""}`;
}
