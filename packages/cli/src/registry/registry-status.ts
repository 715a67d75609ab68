import { ExtensionError } from "@ameide-ext/contract";
import { displayPath, loadManifest, resolveHookDir } from "@ameide-ext/toolkit";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { CliDeps } from "../deps.js";
import { createRegistryClient, type RegistryClient } from "./registry-client.js";
import { compileStatusName, deploymentsOf, type EnvName, envName, stateName } from "./registry-names.js";
import { type RegistryFlags, resolveRegistrySettings } from "./registry-settings.js";

/** Options of {@link registryStatus}. */
export interface RegistryStatusOptions extends RegistryFlags {
  /** The hook's folder (its manifest names the extension). Default the working directory. */
  dir?: string | undefined;
  /** The extension id, instead of a folder. */
  extension?: string | undefined;
  /** The client; default one for the resolved settings. */
  client?: RegistryClient | undefined;
}

/** One version in {@link RegistryStatusResult}. */
export interface VersionStatus {
  version: string;
  state: string;
  /** "pending", "succeeded", "failed", or "" before any compile. */
  compile: string;
  createdBy: string;
  /**
   * The environment a promotion waits for, the approvals it needs, and who may give them (`eligible`:
   * the humans the registry knows for the tenant, empty when it knows none; `excluded`: the author
   * and those who approved already); null when none waits.
   */
  pending: {
    env: EnvName | "";
    approvalsRequired: number;
    requestedBy: string;
    mayApprove: { approvers: string[]; excluded: string[]; eligible: string[] };
  } | null;
  approvals: Array<{ env: EnvName | ""; approver: string }>;
  /** The replay reports attached to it (`replay --attach`), one per environment at most. */
  replayReports: Array<{ env: EnvName | ""; summary: string; attachedBy: string; attachedAt: string }>;
}

/** The result of {@link registryStatus}. */
export interface RegistryStatusResult {
  ok: true;
  tenant: string;
  extension: string;
  latestVersion: string;
  /** What each environment runs. */
  deployments: Partial<Record<EnvName, string>>;
  /** Consumers pinned to a version. */
  pins: Array<{ env: EnvName | ""; consumerRef: string; version: string }>;
  /** Versions, newest first. */
  versions: VersionStatus[];
}

/**
 * `ameide-ext status`: the extension's versions with their states, what each
 * environment runs, and the pins. Throws `not_found` when the registry does
 * not know the extension.
 */
export async function registryStatus(
  options: RegistryStatusOptions,
  deps: CliDeps,
): Promise<RegistryStatusResult> {
  let id = options.extension;
  if (id === undefined) {
    const dir = resolveHookDir(options.dir, deps.cwd);
    id = (await loadManifest(dir, deps.fs, displayPath(deps.cwd, dir))).manifest.id;
  }
  const settings = await resolveRegistrySettings(options, deps);
  const client = options.client ?? createRegistryClient(settings);
  const key = { tenantId: settings.tenant, extensionId: id };
  const got = await client.getExtension(key);
  if (!got.extension) throw new ExtensionError("not_found", `extension ${id} is not in the registry`);
  const versions: VersionStatus[] = [];
  let pageToken = "";
  do {
    const page = await client.listVersions({ ...key, pageSize: 100, pageToken });
    for (const r of page.revisions) {
      const p = r.pendingPromotion;
      versions.push({
        version: r.definition?.version ?? "",
        state: stateName(r.definition?.state ?? 0),
        compile: compileStatusName(r.compileResult?.status),
        createdBy: r.definition?.metadata?.createdBy ?? "",
        pending: p
          ? {
              env: envName(p.targetEnv),
              approvalsRequired: p.approvalsRequired,
              requestedBy: p.requestedBy,
              mayApprove: {
                approvers: [...p.approvers],
                excluded: [...p.excludedApprovers],
                eligible: [...p.eligibleApprovers],
              },
            }
          : null,
        approvals: r.approvals.map((a) => ({ env: envName(a.env), approver: a.approver })),
        replayReports: r.replayReports.map((x) => ({
          env: envName(x.env),
          summary: x.summary,
          attachedBy: x.attachedBy,
          attachedAt: x.attachedAt ? timestampDate(x.attachedAt).toISOString() : "",
        })),
      });
    }
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return {
    ok: true,
    tenant: settings.tenant,
    extension: id,
    latestVersion: got.extension.latestVersion,
    deployments: deploymentsOf(got.extension),
    pins: got.extension.pins.map((p) => ({
      env: envName(p.env),
      consumerRef: p.consumerRef,
      version: p.version,
    })),
    versions,
  };
}
