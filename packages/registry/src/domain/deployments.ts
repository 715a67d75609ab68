import { ExtensionError } from "@ameide-ext/contract";
import type { RegistryTx } from "../store/registry-store.js";
import { isAgent, RULES, refuse } from "./governance.js";
import type { Caller, ExtensionView, Registry } from "./registry.js";
import { checkEnv, notFound, type RegistryContext } from "./registry-context.js";
import { type Env, type LifecycleState, promotedRank, promotedState, type RevisionRecord } from "./types.js";

// Deployments: which version each environment runs (deploy, rollback) and the pins of its consumers.
// Each change adds its environment to the transaction's `changed` set, so the catalog publisher
// (onDeploymentChange) rewrites that environment's catalog after the commit.

/** RollBack's request. */
type RollbackInput = Parameters<Registry["rollback"]>[1];
/** Pin's request. */
type PinInput = Parameters<Registry["pin"]>[1];

/**
 * Makes `rev` the active version in `env` inside `tx` (a promotion's last step, whoever decided it);
 * returns the revision as updated.
 */
export async function deploy(
  ctx: RegistryContext,
  tx: RegistryTx,
  changed: Set<Env>,
  rev: RevisionRecord,
  to: {
    env: Env;
    actor: string;
    comment: string;
    requestedBy?: string;
    approvers?: string[];
    /** Extra facts of the version_promoted event (e.g. the replay report of the promotion). */
    data?: Record<string, unknown>;
  },
): Promise<RevisionRecord> {
  const { env, actor, comment } = to;
  const at = ctx.now().toISOString();
  const deployments = await tx.listDeployments(rev.tenantId, rev.extensionId);
  const previous = deployments.find((d) => d.env === env)?.activeVersion ?? "";
  const from = rev.state;
  const state: LifecycleState =
    promotedRank(promotedState(env)) > promotedRank(from) ? promotedState(env) : from;
  const updated = await tx.updateRevision({ ...rev, state, pending: undefined, updatedAt: at });
  await tx.setDeployment({
    tenantId: rev.tenantId,
    extensionId: rev.extensionId,
    env,
    activeVersion: rev.version,
    updatedBy: actor,
    updatedAt: at,
  });
  await tx.addEnvVersion(rev.tenantId, rev.extensionId, env, rev.version, at);
  await ctx.event(tx, rev, {
    type: "version_promoted",
    actor,
    fromState: from,
    toState: state,
    env,
    comment,
    previousVersion: previous,
    requestedBy: to.requestedBy ?? "",
    approvers: to.approvers ?? [],
    ...(to.data ? { data: to.data } : {}),
  });
  changed.add(env);
  return updated;
}

/** Agents change what an environment runs in dev only (`agent_cannot_rollback`): elsewhere that is human. */
export function checkAgentInDev(
  caller: Caller,
  env: Env,
  what: "roll back" | "pin" | "bind" | "switch extensions off or on" | "attach replay reports",
): void {
  if (isAgent(caller.actor) && env !== "dev")
    throw refuse(
      "permission_denied",
      RULES.agentCannotRollback,
      `${caller.actor} is an agent: agents ${what} in dev only`,
    );
}

/** Whether `version` of the extension was ever promoted to `env` (only such a version may run there again). */
export async function ranIn(
  tx: RegistryTx,
  env: Env,
  key: { tenantId: string; extensionId: string; version: string },
): Promise<boolean> {
  return (await tx.listEnvVersions(env)).some(
    (v) => v.tenantId === key.tenantId && v.extensionId === key.extensionId && v.version === key.version,
  );
}

/**
 * The version to roll back to when none is named: the newest version older than `activeVersion` that was
 * promoted to `env`. Never a newer one: rolling back twice goes further back, it does not toggle.
 */
export async function previousActive(
  tx: RegistryTx,
  input: { tenantId: string; extensionId: string },
  env: Env,
  activeVersion: string,
): Promise<string> {
  const events = await tx.listEvents(input.tenantId, input.extensionId, { limit: 100_000 });
  const older = events
    .filter(
      (e) => e.env === env && e.type === "version_promoted" && Number(e.version) < Number(activeVersion),
    )
    .map((e) => Number(e.version));
  if (older.length === 0)
    throw refuse(
      "failed_precondition",
      RULES.notPromotedToEnv,
      `no version older than ${activeVersion} ran in ${env}: nothing to roll back to (name one with --to)`,
    );
  return String(Math.max(...older));
}

/** RollBack: makes an earlier version that ran in the environment active again. */
async function rollback(ctx: RegistryContext, caller: Caller, input: RollbackInput): Promise<ExtensionView> {
  ctx.checkTenant(caller, input.tenantId);
  const env = checkEnv(input.env);
  checkAgentInDev(caller, env, "roll back");
  if (!input.comment?.trim())
    throw new ExtensionError("invalid_argument", "a rollback needs a comment saying why");
  return ctx.write(async (tx, changed) => {
    const ext = await tx.getExtension(input.tenantId, input.extensionId, true);
    if (!ext) throw notFound(`extension ${JSON.stringify(input.extensionId)}`);
    const active = (await tx.listDeployments(input.tenantId, input.extensionId)).find((d) => d.env === env);
    if (!active)
      throw refuse(
        "failed_precondition",
        RULES.notPromotedToEnv,
        `${input.extensionId} runs nowhere in ${env}`,
      );
    const to = input.toVersion || (await previousActive(tx, input, env, active.activeVersion));
    if (!(await ranIn(tx, env, { ...input, version: to })))
      throw refuse(
        "failed_precondition",
        RULES.notPromotedToEnv,
        `version ${to} was never promoted to ${env}: roll back to a version that ran there`,
        { version: to },
      );
    if (to === active.activeVersion)
      throw refuse("failed_precondition", RULES.alreadyActive, `version ${to} is already active in ${env}`);
    const at = ctx.now().toISOString();
    await tx.setDeployment({ ...active, activeVersion: to, updatedBy: caller.actor, updatedAt: at });
    const rev = await ctx.loadRevision(tx, { ...input, version: to });
    await ctx.event(tx, rev, {
      type: "rolled_back",
      actor: caller.actor,
      fromState: rev.state,
      toState: rev.state,
      env,
      comment: input.comment,
      previousVersion: active.activeVersion,
    });
    changed.add(env);
    return ctx.extensionView(tx, input.tenantId, input.extensionId);
  });
}

/** Pin (with a version) or unpin (without): what one consumer runs in the environment. */
async function pin(ctx: RegistryContext, caller: Caller, input: PinInput): Promise<ExtensionView> {
  ctx.checkTenant(caller, input.tenantId);
  const env = checkEnv(input.env);
  checkAgentInDev(caller, env, "pin");
  // The runtime catalog's CONSUMER_REF: a pin the catalog would refuse must never reach it.
  if (!/^(process|domain|agent):\S{1,248}$/.test(input.consumerRef))
    throw new ExtensionError(
      "invalid_argument",
      `consumer_ref ${JSON.stringify(input.consumerRef.slice(0, 64))} must be process:<id>, domain:<domain>/<point> or agent:<id>, at most 256 characters`,
    );
  return ctx.write(async (tx, changed) => {
    await ctx.extensionView(tx, input.tenantId, input.extensionId);
    const base = { tenantId: input.tenantId, extensionId: input.extensionId };
    const recorded = {
      actor: caller.actor,
      env,
      consumerRef: input.consumerRef,
      comment: input.comment ?? "",
    };
    if (!input.version) {
      const removed = await tx.deletePin(input.tenantId, input.extensionId, env, input.consumerRef);
      if (!removed) throw notFound(`a pin of ${input.consumerRef} in ${env}`);
      await ctx.event(tx, { ...base, version: "" }, { type: "unpinned", ...recorded });
    } else {
      if (!(await ranIn(tx, env, { ...base, version: input.version })))
        throw refuse(
          "failed_precondition",
          RULES.notPromotedToEnv,
          `version ${input.version} was never promoted to ${env}`,
        );
      await tx.setPin({
        ...base,
        env,
        consumerRef: input.consumerRef,
        version: input.version,
        pinnedBy: caller.actor,
        pinnedAt: ctx.now().toISOString(),
        comment: input.comment ?? "",
      });
      await ctx.event(tx, { ...base, version: input.version }, { type: "pinned", ...recorded });
    }
    changed.add(env);
    return ctx.extensionView(tx, input.tenantId, input.extensionId);
  });
}

/** The deployment RPCs: RollBack and Pin. */
export function createDeployments(ctx: RegistryContext): Pick<Registry, "rollback" | "pin"> {
  return {
    rollback: (caller, input) => rollback(ctx, caller, input),
    pin: (caller, input) => pin(ctx, caller, input),
  };
}
