import type { CliDeps } from "../deps.js";
import { createRegistryClient, type RegistryClient } from "./registry-client.js";
import { checkEnvName, type EnvName, envToProto } from "./registry-names.js";
import { type RegistryFlags, resolveRegistrySettings } from "./registry-settings.js";

/** Options of {@link switchExtension}. */
export interface SwitchExtensionOptions extends RegistryFlags {
  extension: string;
  env: string;
  /** The version to switch; unset for every version of the extension in the environment. */
  version?: string | undefined;
  /** Why, for the audit log. Required by the registry. */
  reason?: string | undefined;
  /** The client; default one for the resolved settings. */
  client?: RegistryClient | undefined;
}

/** The result of {@link switchExtension}. */
export interface SwitchExtensionResult {
  ok: true;
  tenant: string;
  extension: string;
  env: EnvName;
  /** The version switched ("" for every version). */
  version: string;
  /** The kill switch is now thrown (`disable`) or released (`enable`). */
  disabled: boolean;
  /** The versions of the extension switched off in `env` after the change ("" for all), sorted. */
  disabledVersions: string[];
}

/**
 * `ameide-ext disable` and `enable`: the kill switch (spec 479 §6.5). The
 * registry records the change with its reason, rewrites that environment's
 * runtime catalog with `disabled: true` on the versions switched off, and the
 * runtime refuses them (`failed_precondition/disabled`) once it reloads.
 */
export async function switchExtension(
  to: "disable" | "enable",
  options: SwitchExtensionOptions,
  deps: CliDeps,
): Promise<SwitchExtensionResult> {
  const env = checkEnvName(options.env);
  const settings = await resolveRegistrySettings(options, deps);
  const client = options.client ?? createRegistryClient(settings);
  const req = {
    tenantId: settings.tenant,
    extensionId: options.extension,
    env: envToProto(env),
    version: options.version ?? "",
    reason: options.reason ?? "",
  };
  const res = to === "disable" ? await client.disable(req) : await client.enable(req);
  return {
    ok: true,
    tenant: settings.tenant,
    extension: options.extension,
    env,
    version: req.version,
    disabled: to === "disable",
    disabledVersions: res.disabledVersions,
  };
}
