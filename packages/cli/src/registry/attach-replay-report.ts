import { ExtensionError } from "@ameide-ext/contract";
import type { ReplayReport, ReplayResult } from "@ameide-ext/toolkit";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { CliDeps } from "../deps.js";
import { createRegistryClient, type RegistryClient } from "./registry-client.js";
import { checkEnvName, type EnvName, envToProto } from "./registry-names.js";
import { type RegistryFlags, resolveRegistrySettings } from "./registry-settings.js";

/** The most bytes of a report the registry takes (AttachReplayReport). */
export const MAX_ATTACHED_REPORT_BYTES = 64 * 1024;
/** The most differences an attached report lists: the first ones; the counts give the rest. */
export const MAX_ATTACHED_DIFFERENCES = 20;

/** Options of {@link attachReplayReport}. */
export interface AttachReplayReportOptions extends RegistryFlags {
  extension: string;
  /** The version the replay ran against (`--against <version>`). */
  version: string;
  /** The environment whose recorded decisions were replayed (`--env`). */
  env: string;
  /** The sha256s of the modules that made the recordings. */
  recordedModuleSha256s: readonly string[];
  /** The clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /** The client; default one for the resolved settings. */
  client?: RegistryClient | undefined;
}

/** What `replay --attach` attached, as the registry stored it. */
export interface AttachedReplayReport {
  env: EnvName;
  summary: string;
  attachedBy: string;
  attachedAt: string;
}

/** One difference as the attached report lists it. */
function differenceOf(r: ReplayResult) {
  return {
    id: r.id,
    recorded_at: r.recorded_at,
    status: r.status,
    differences: r.differences,
    new_error: r.new_error,
    fuel_delta: r.fuel_delta,
    outcome: `${r.recorded.outcome} -> ${r.replayed?.outcome ?? "-"}`,
  };
}

/**
 * The report as AttachReplayReport takes it: the summary line (naming the environment), the counts, the
 * recorded modules' sha256s and the first differences, as many as fit in 64 KiB (at most 20).
 */
export function attachedReportJson(
  report: ReplayReport,
  options: AttachReplayReportOptions,
  env: EnvName,
): string {
  const changed = report.results.filter((r) => r.status === "changed" || r.status === "mismatch");
  const base = {
    summary: report.summary.replace(/recorded decisions$/, `recorded ${env} decisions`).slice(0, 500),
    against: options.version,
    total: report.total,
    replayed: report.replayed,
    skipped: report.skipped,
    changed: report.changed,
    new_errors: report.new_errors,
    fuel_delta: report.fuel.delta,
    recorded_module_sha256s: [...new Set(options.recordedModuleSha256s)].slice(0, 100),
    generated_at: (options.now ?? (() => new Date()))().toISOString(),
  };
  for (let n = Math.min(changed.length, MAX_ATTACHED_DIFFERENCES); ; n = Math.floor(n / 2)) {
    const json = JSON.stringify({ ...base, differences: changed.slice(0, n).map(differenceOf) });
    if (Buffer.byteLength(json) <= MAX_ATTACHED_REPORT_BYTES || n === 0) return json;
  }
}

/**
 * `ameide-ext replay --against <version> --attach --env <env>`: attaches the replay's report to the version
 * in the registry, for the environment (AttachReplayReport). Where governance requires one (default prod,
 * high tier), the promotion there is refused until it is attached (rule `replay_required`). The report is
 * evidence for the reviewers, not a proof: the registry cannot run it again.
 */
export async function attachReplayReport(
  report: ReplayReport,
  options: AttachReplayReportOptions,
  deps: CliDeps,
): Promise<AttachedReplayReport> {
  const env = checkEnvName(options.env);
  if (report.mode !== "against")
    throw new ExtensionError(
      "invalid_argument",
      "--attach needs --against <version>: the report says what that version changes",
      "invalid_input",
      { field: "attach" },
    );
  const settings = await resolveRegistrySettings(options, deps);
  const client = options.client ?? createRegistryClient(settings);
  const res = await client.attachReplayReport({
    tenantId: settings.tenant,
    extensionId: options.extension,
    version: options.version,
    env: envToProto(env),
    reportJson: attachedReportJson(report, options, env),
  });
  const r = res.report;
  return {
    env,
    summary: r?.summary ?? "",
    attachedBy: r?.attachedBy ?? "",
    attachedAt: r?.attachedAt ? timestampDate(r.attachedAt).toISOString() : "",
  };
}
