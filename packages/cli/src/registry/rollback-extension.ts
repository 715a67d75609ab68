import type { CliDeps } from "../deps.js";
import { createRegistryClient, type RegistryClient } from "./registry-client.js";
import { checkEnvName, deploymentsOf, type EnvName, envToProto } from "./registry-names.js";
import { type RegistryFlags, resolveRegistrySettings } from "./registry-settings.js";

/** Options of {@link rollbackExtension}. */
export interface RollbackExtensionOptions extends RegistryFlags {
  extension: string;
  env: string;
  /** The version to make active; unset for the newest older version that ran in the environment. */
  to?: string | undefined;
  /** Why, for the audit log. Default "rolled back with ameide-ext". */
  comment?: string | undefined;
  /** The client; default one for the resolved settings. */
  client?: RegistryClient | undefined;
}

/** The result of {@link rollbackExtension}. */
export interface RollbackExtensionResult {
  ok: true;
  tenant: string;
  extension: string;
  env: EnvName;
  /** The version active in `env` before. */
  from: string;
  /** The version active in `env` now. */
  to: string;
  deployments: Partial<Record<EnvName, string>>;
}

/**
 * `ameide-ext rollback`: makes an earlier version active again in one
 * environment (no approval: it was approved there before). The registry
 * rewrites that environment's runtime catalog, and the runtime picks it up
 * without a restart.
 */
export async function rollbackExtension(
  options: RollbackExtensionOptions,
  deps: CliDeps,
): Promise<RollbackExtensionResult> {
  const env = checkEnvName(options.env);
  const settings = await resolveRegistrySettings(options, deps);
  const client = options.client ?? createRegistryClient(settings);
  const key = { tenantId: settings.tenant, extensionId: options.extension };
  const before = deploymentsOf((await client.getExtension(key)).extension);
  const res = await client.rollback({
    ...key,
    env: envToProto(env),
    toVersion: options.to ?? "",
    comment: options.comment ?? "rolled back with ameide-ext",
  });
  const after = deploymentsOf(res.extension);
  return {
    ok: true,
    tenant: settings.tenant,
    extension: options.extension,
    env,
    from: before[env] ?? "",
    to: after[env] ?? "",
    deployments: after,
  };
}
