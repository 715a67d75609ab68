import { ExtensionError } from "@ameide-ext/contract";
import type { CliDeps } from "../deps.js";
import { cliInvocation } from "../report/cli-invocation.js";
import { createRegistryClient, type RegistryClient } from "./registry-client.js";
import {
  checkEnvName,
  deploymentsOf,
  ENVIRONMENTS,
  type EnvName,
  envName,
  envToProto,
  stateName,
} from "./registry-names.js";
import { type RegistryFlags, resolveRegistrySettings } from "./registry-settings.js";

/** Options of {@link reviewVersion}. */
export interface ReviewVersionOptions extends RegistryFlags {
  /** approve or reject. */
  decision: "approve" | "reject";
  extension: string;
  version: string;
  /** The environment of the pending promotion. */
  env: string;
  /** The reviewer's comment; required to reject. */
  comment?: string | undefined;
  /** The client; default one for the resolved settings. */
  client?: RegistryClient | undefined;
}

/** The result of {@link reviewVersion}. */
export interface ReviewVersionResult {
  ok: true;
  decision: "approve" | "reject";
  tenant: string;
  extension: string;
  version: string;
  env: EnvName;
  /** The state after the review. */
  state: string;
  /** True when this approval promoted the version. */
  promoted: boolean;
  /** Approvals still missing when the promotion waits on; 0 otherwise. */
  approvalsMissing: number;
  deployments: Partial<Record<EnvName, string>>;
  /**
   * When this approval promoted the version to an environment before prod: how its promotion
   * continues (its requester runs `promote` again, which picks up where it stopped); else null.
   */
  next: string | null;
}

/**
 * `ameide-ext approve` and `ameide-ext reject`: reviews the promotion of a
 * version to `env` that waits for approval, as the caller the token names.
 * Refusals carry their rule in `details.rule` (agent_cannot_approve,
 * self_approval, duplicate_approval, no_pending_promotion…).
 */
export async function reviewVersion(
  options: ReviewVersionOptions,
  deps: CliDeps,
): Promise<ReviewVersionResult> {
  const env = checkEnvName(options.env);
  if (options.decision === "reject" && !options.comment?.trim())
    throw new ExtensionError("invalid_argument", "reject needs --comment saying why");
  const settings = await resolveRegistrySettings(options, deps);
  const client = options.client ?? createRegistryClient(settings);
  const req = {
    tenantId: settings.tenant,
    extensionId: options.extension,
    version: options.version,
    env: envToProto(env),
    comment: options.comment ?? "",
  };
  const res = options.decision === "approve" ? await client.approve(req) : await client.reject(req);
  const rev = res.revision;
  const got = await client.getExtension({ tenantId: settings.tenant, extensionId: options.extension });
  const pending =
    rev?.pendingPromotion && envName(rev.pendingPromotion.targetEnv) === env
      ? rev.pendingPromotion
      : undefined;
  const approvals = rev?.approvals.filter((a) => envName(a.env) === env).length ?? 0;
  return {
    ok: true,
    decision: options.decision,
    tenant: settings.tenant,
    extension: options.extension,
    version: options.version,
    env,
    state: stateName(rev?.definition?.state ?? 0),
    promoted: options.decision === "approve" && pending === undefined,
    approvalsMissing: pending ? Math.max(0, pending.approvalsRequired - approvals) : 0,
    deployments: deploymentsOf(got.extension),
    next: options.decision === "approve" && pending === undefined ? nextStep(env, cliInvocation(deps)) : null,
  };
}

/**
 * After a promotion to `env`, the command that takes the version on to the next environment, run
 * with `cli` (see `cliInvocation`); null after prod.
 */
function nextStep(env: EnvName, cli: string): string | null {
  const following = ENVIRONMENTS[ENVIRONMENTS.indexOf(env) + 1];
  return following
    ? `to continue, the requester runs ${cli} promote <dir> --env ${following} again (it picks up where it stopped)`
    : null;
}
