import { ExtensionError } from "@ameide-ext/contract";
import { checkAgentInDev, ranIn } from "./deployments.js";
import { RULES, refuse } from "./governance.js";
import type { Caller, Registry } from "./registry.js";
import { checkEnv, notFound, type RegistryContext } from "./registry-context.js";

// The kill switch (spec 479 §6.5 incident response): an operator switches a version, or every version of an
// extension, off in one environment through the registry, instead of editing the catalog by hand. The
// catalog publisher writes `disabled: true` on the entries it covers; the runtime refuses them on reload.

/** Disable's and Enable's request. */
type KillSwitchInput = Parameters<Registry["disable"]>[1];

/** The reason a kill switch needs, checked: required, at most REASON_MAX characters. */
const REASON_MAX = 2000;

function checkReason(reason: string | undefined, what: "disable" | "enable"): string {
  const r = reason?.trim() ?? "";
  if (r === "")
    throw new ExtensionError(
      "invalid_argument",
      `to ${what} an extension give a reason (--reason "INC-42: …"): it is recorded in the audit log`,
    );
  if (r.length > REASON_MAX)
    throw new ExtensionError(
      "invalid_argument",
      `the reason is ${r.length} characters, the limit is ${REASON_MAX}`,
    );
  return r;
}

/** The versions of the extension switched off in `env` ("" for all), sorted. */
async function disabledVersions(
  ctx: RegistryContext,
  input: KillSwitchInput,
  env: ReturnType<typeof checkEnv>,
): Promise<string[]> {
  return ctx.store.transaction(async (tx) =>
    (await tx.listDisabled(input.tenantId, input.extensionId, env)).map((d) => d.version).sort(),
  );
}

/** Disable: throws the kill switch of a version (or of every version) of an extension in one environment. */
async function disable(ctx: RegistryContext, caller: Caller, input: KillSwitchInput): Promise<string[]> {
  ctx.checkTenant(caller, input.tenantId);
  const env = checkEnv(input.env);
  checkAgentInDev(caller, env, "switch extensions off or on");
  const reason = checkReason(input.reason, "disable");
  const version = input.version ?? "";
  await ctx.write(async (tx, changed) => {
    await ctx.extensionView(tx, input.tenantId, input.extensionId);
    if (version !== "" && !(await ranIn(tx, env, { ...input, version })))
      throw refuse(
        "failed_precondition",
        RULES.notPromotedToEnv,
        `version ${version} of ${input.extensionId} was never promoted to ${env}: nothing runs there to switch off`,
        { version },
      );
    await tx.setDisabled({
      tenantId: input.tenantId,
      extensionId: input.extensionId,
      env,
      version,
      disabledBy: caller.actor,
      disabledAt: ctx.now().toISOString(),
      reason,
    });
    await ctx.event(
      tx,
      { tenantId: input.tenantId, extensionId: input.extensionId, version },
      { type: "disabled", actor: caller.actor, env, comment: reason },
    );
    changed.add(env);
  });
  return disabledVersions(ctx, input, env);
}

/** Enable: releases a kill switch thrown by {@link disable}; `not_found` when it was not thrown. */
async function enable(ctx: RegistryContext, caller: Caller, input: KillSwitchInput): Promise<string[]> {
  ctx.checkTenant(caller, input.tenantId);
  const env = checkEnv(input.env);
  checkAgentInDev(caller, env, "switch extensions off or on");
  const reason = checkReason(input.reason, "enable");
  const version = input.version ?? "";
  await ctx.write(async (tx, changed) => {
    await ctx.extensionView(tx, input.tenantId, input.extensionId);
    if (!(await tx.deleteDisabled(input.tenantId, input.extensionId, env, version)))
      throw notFound(
        `a kill switch of ${version === "" ? "every version" : `version ${version}`} of ${input.extensionId} in ${env}`,
      );
    await ctx.event(
      tx,
      { tenantId: input.tenantId, extensionId: input.extensionId, version },
      { type: "enabled", actor: caller.actor, env, comment: reason },
    );
    changed.add(env);
  });
  return disabledVersions(ctx, input, env);
}

/** The kill switch RPCs: Disable and Enable. */
export function createKillSwitch(ctx: RegistryContext): Pick<Registry, "disable" | "enable"> {
  return {
    disable: (caller, input) => disable(ctx, caller, input),
    enable: (caller, input) => enable(ctx, caller, input),
  };
}
