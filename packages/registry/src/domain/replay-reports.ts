import { ExtensionError } from "@ameide-ext/contract";
import type { RegistryTx } from "../store/registry-store.js";
import { checkAgentInDev } from "./deployments.js";
import { RULES, refuse } from "./governance.js";
import type { Caller, Registry } from "./registry.js";
import { checkEnv, type RegistryContext } from "./registry-context.js";
import type { Env, ReplayReportRecord, RevisionRecord } from "./types.js";

// Replay reports as a promotion gate (issue 15 §2): `ameide-ext replay --against <version> --attach --env prod`
// runs the recorded decisions of an environment against a version and attaches what changed to that version
// for that environment. Where governance.replayRequired says so (default: prod, high tier), a promotion is
// refused until one is attached (`replay_required`); the summary is shown to the reviewers and stored on the
// promotion's events. The report is evidence for the humans who review, not a proof: the registry keeps it
// as sent and cannot run it again.

/** The most bytes (UTF-8) of a report's JSON. */
export const MAX_REPLAY_REPORT_BYTES = 64 * 1024;
/** The longest summary line, in characters. */
export const MAX_REPLAY_SUMMARY_CHARS = 500;
/** The most differences a report lists (the first ones; the counts give the rest). */
export const MAX_REPLAY_DIFFERENCES = 100;
/** The most recorded module digests a report names. */
const MAX_MODULE_SHAS = 100;

/** AttachReplayReport's request. */
type AttachInput = Parameters<Registry["attachReplayReport"]>[1];

/** The counts a report must carry, each a non-negative integer. */
const COUNTS = ["total", "replayed", "skipped", "changed", "new_errors"] as const;
/** Every field a report may carry. */
const FIELDS = new Set<string>([
  "summary",
  "against",
  ...COUNTS,
  "fuel_delta",
  "recorded_module_sha256s",
  "generated_at",
  "differences",
]);

/** The checked report: its summary line, and its JSON as sent. */
interface CheckedReport {
  summary: string;
}

function invalid(message: string, field: string): ExtensionError {
  return new ExtensionError("invalid_argument", `replay report: ${message}`, "invalid_input", { field });
}

/**
 * Checks a report's shape (`invalid_argument/invalid_input` naming the field): at most 64 KiB of JSON, an
 * object with a summary (1 to 500 characters), `against` equal to the version it is attached to, the
 * counts, the recorded modules' sha256s, `generated_at` (ISO 8601) and at most 100 differences.
 */
export function checkReplayReport(json: string, version: string): CheckedReport {
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes > MAX_REPLAY_REPORT_BYTES)
    throw invalid(
      `it is ${bytes} bytes, the limit is ${MAX_REPLAY_REPORT_BYTES}; send the counts and the first differences`,
      "report_json",
    );
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw invalid("it is not JSON; send the --json document of ameide-ext replay --attach", "report_json");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw invalid("it must be a JSON object", "report_json");
  const r = doc as Record<string, unknown>;
  const unknown = Object.keys(r).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) throw invalid(`unknown field ${JSON.stringify(unknown)}`, unknown);
  const summary = r.summary;
  if (
    typeof summary !== "string" ||
    summary.trim() === "" ||
    summary.length > MAX_REPLAY_SUMMARY_CHARS ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    /[\u0000-\u001f\u007f-\u009f]/.test(summary)
  )
    throw invalid(
      `summary must be one line of 1 to ${MAX_REPLAY_SUMMARY_CHARS} characters, without control characters`,
      "summary",
    );
  if (r.against !== version)
    throw invalid(
      `against is ${JSON.stringify(r.against)}: a report is attached to the version it ran against (${version})`,
      "against",
    );
  for (const count of COUNTS)
    if (!(Number.isSafeInteger(r[count]) && (r[count] as number) >= 0))
      throw invalid(`${count} is ${JSON.stringify(r[count])}, it must be an integer ≥ 0`, count);
  if (r.fuel_delta !== undefined && !Number.isSafeInteger(r.fuel_delta))
    throw invalid(`fuel_delta is ${JSON.stringify(r.fuel_delta)}, it must be an integer`, "fuel_delta");
  checkShas(r.recorded_module_sha256s);
  if (
    typeof r.generated_at !== "string" ||
    !/^\d{4}-\d\d-\d\dT/.test(r.generated_at) ||
    Number.isNaN(Date.parse(r.generated_at))
  )
    throw invalid(
      `generated_at is ${JSON.stringify(r.generated_at)}, it must be an ISO 8601 time`,
      "generated_at",
    );
  const diffs = r.differences ?? [];
  if (
    !Array.isArray(diffs) ||
    diffs.length > MAX_REPLAY_DIFFERENCES ||
    diffs.some((d) => typeof d !== "object" || d === null)
  )
    throw invalid(`differences must be a list of at most ${MAX_REPLAY_DIFFERENCES} objects`, "differences");
  return { summary };
}

function checkShas(shas: unknown): void {
  if (
    !Array.isArray(shas) ||
    shas.length > MAX_MODULE_SHAS ||
    shas.some((s) => typeof s !== "string" || !/^[0-9a-f]{64}$/.test(s))
  )
    throw invalid(
      `recorded_module_sha256s must be a list of at most ${MAX_MODULE_SHAS} hex sha256 digests`,
      "recorded_module_sha256s",
    );
}

/** The command that attaches a report for `rev` in `env` (the `fix` of a `replay_required` refusal). */
export function replayFix(rev: Pick<RevisionRecord, "extensionId" | "version">, env: Env): string {
  return `ameide-ext replay --from runtime --extension ${rev.extensionId} --against ${rev.version} --attach --env ${env}`;
}

/** What a promotion's events store of the report attached for its environment. */
export function replayEventData(report: ReplayReportRecord | undefined): Record<string, unknown> {
  if (!report) return {};
  return {
    replayReport: { summary: report.summary, attachedBy: report.attachedBy, attachedAt: report.attachedAt },
  };
}

/** The report attached to `rev` for `env`, if any. */
export async function replayReportFor(
  tx: RegistryTx,
  rev: Pick<RevisionRecord, "tenantId" | "extensionId" | "version">,
  env: Env,
): Promise<ReplayReportRecord | undefined> {
  return (await tx.listReplayReports(rev.tenantId, rev.extensionId, rev.version)).find((r) => r.env === env);
}

/**
 * Refuses (`failed_precondition`, `replay_required`) a promotion of `rev` to `env` that governance requires
 * a replay report for when none is attached; returns the one attached otherwise.
 */
export async function checkReplayRequired(
  ctx: RegistryContext,
  tx: RegistryTx,
  rev: RevisionRecord,
  env: Env,
): Promise<ReplayReportRecord | undefined> {
  const report = await replayReportFor(tx, rev, env);
  if (report || !ctx.governance.replayRequired(env, rev.riskTier)) return report;
  const fix = replayFix(rev, env);
  throw refuse(
    "failed_precondition",
    RULES.replayRequired,
    `version ${rev.version} (risk tier ${rev.riskTier}) needs a replay report for ${env} before its promotion there: run ${fix}`,
    { env, riskTier: rev.riskTier, fix },
  );
}

/** AttachReplayReport: stores a checked report for a version and an environment (replacing the one before). */
async function attachReplayReport(
  ctx: RegistryContext,
  caller: Caller,
  input: AttachInput,
): Promise<ReplayReportRecord> {
  ctx.checkTenant(caller, input.tenantId);
  const env = checkEnv(input.env);
  checkAgentInDev(caller, env, "attach replay reports");
  const { summary } = checkReplayReport(input.reportJson, input.version);
  return ctx.write(async (tx) => {
    const rev = await ctx.loadRevision(tx, input);
    const record: ReplayReportRecord = {
      tenantId: rev.tenantId,
      extensionId: rev.extensionId,
      version: rev.version,
      env,
      summary,
      reportJson: input.reportJson,
      attachedBy: caller.actor,
      attachedAt: ctx.now().toISOString(),
    };
    await tx.setReplayReport(record);
    return record;
  });
}

/** The replay report RPC: AttachReplayReport. */
export function createReplayReports(ctx: RegistryContext): Pick<Registry, "attachReplayReport"> {
  return { attachReplayReport: (caller, input) => attachReplayReport(ctx, caller, input) };
}
