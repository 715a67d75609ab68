import { ExtensionError } from "@ameide-ext/contract";
import { previousActive } from "./deployments.js";
import { isService, RULES, refuse } from "./governance.js";
import type { Caller, Registry } from "./registry.js";
import { checkEnv, notFound, type RegistryContext } from "./registry-context.js";

// SLOs that act (spec 479 §6.5): a runtime whose version burns its SLO's error budget fast asks the registry,
// with a service credential, to roll the environment back. The registry does it as a rollback does (the
// catalog is rewritten, the runtime reloads it) and records who asked and why: the SLO and the burn rate.

/** RollbackOnSlo's request. */
type SloRollbackInput = Parameters<Registry["rollbackOnSlo"]>[1];

/** The longest SLO text kept in the event. */
const SLO_TEXT_MAX = 200;

/** RollbackOnSlo: rolls `env` back from `version` when it is still the active one there. */
async function rollbackOnSlo(
  ctx: RegistryContext,
  caller: Caller,
  input: SloRollbackInput,
): ReturnType<Registry["rollbackOnSlo"]> {
  if (!isService(caller.actor))
    throw refuse(
      "permission_denied",
      RULES.serviceScope,
      `${caller.actor} is not a service: RollbackOnSlo is called by runtimes with a service credential; people use Rollback`,
    );
  ctx.checkTenant(caller, input.tenantId);
  const env = checkEnv(input.env);
  const slo = input.slo.trim().slice(0, SLO_TEXT_MAX);
  if (slo === "" || !Number.isFinite(input.burnRate) || input.burnRate < 0)
    throw new ExtensionError(
      "invalid_argument",
      `RollbackOnSlo needs the SLO (got ${JSON.stringify(input.slo.slice(0, 40))}) and a burn rate of 0 or more (got ${input.burnRate})`,
    );
  return ctx.write(async (tx, changed) => {
    const ext = await tx.getExtension(input.tenantId, input.extensionId, true);
    if (!ext) throw notFound(`extension ${JSON.stringify(input.extensionId)}`);
    const active = (await tx.listDeployments(input.tenantId, input.extensionId)).find((d) => d.env === env);
    // Another replica asked first, or someone rolled back already: nothing to do.
    if (!active || active.activeVersion !== input.version)
      return { rolledBack: false, extension: await ctx.extensionView(tx, input.tenantId, input.extensionId) };
    const to = await previousActive(tx, input, env, active.activeVersion);
    const at = ctx.now().toISOString();
    await tx.setDeployment({ ...active, activeVersion: to, updatedBy: caller.actor, updatedAt: at });
    const rev = await ctx.loadRevision(tx, { ...input, version: to });
    await ctx.event(tx, rev, {
      type: "rolled_back",
      actor: caller.actor,
      fromState: rev.state,
      toState: rev.state,
      env,
      comment: `SLO ${slo}: fast burn ${input.burnRate.toFixed(1)}× of v${input.version}'s error budget; rolled back automatically`,
      previousVersion: active.activeVersion,
      data: { slo, burnRate: input.burnRate, burningVersion: input.version },
    });
    changed.add(env);
    return { rolledBack: true, extension: await ctx.extensionView(tx, input.tenantId, input.extensionId) };
  });
}

/** The RPC runtimes call on a fast burn: RollbackOnSlo. */
export function createSloRollback(ctx: RegistryContext): Pick<Registry, "rollbackOnSlo"> {
  return { rollbackOnSlo: (caller, input) => rollbackOnSlo(ctx, caller, input) };
}
