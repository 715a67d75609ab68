import { homedir } from "node:os";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import type { CliDeps } from "../deps.js";

/** Where the registry is and who the caller is. */
export interface RegistrySettings {
  /** Base URL of the registry, e.g. `http://127.0.0.1:8090`. */
  url: string;
  /** Bearer token; the registry maps it to `user:<id>` or `agent:<id>`. */
  token: string;
  /** The tenant the extension belongs to. */
  tenant: string;
}

/** The flags every registry command takes. */
export interface RegistryFlags {
  registry?: string | undefined;
  token?: string | undefined;
  tenant?: string | undefined;
  config?: string | undefined;
}

/** The CLI's config file, when neither flags nor the environment say: `~/.ameide-ext/config.json`. */
export const DEFAULT_CONFIG_FILE = path.join(".ameide-ext", "config.json");

/** The default tenant, as `run`'s default context uses. */
export const DEFAULT_TENANT = "local";

/**
 * Resolves the registry's URL, the token and the tenant, each from the first
 * that gives it: the flag (`--registry`, `--token`, `--tenant`), the
 * environment (`AMEIDE_REGISTRY_URL`, `AMEIDE_TOKEN`, `AMEIDE_TENANT`), the
 * config file (`--config`, else `$AMEIDE_CONFIG`, else
 * `~/.ameide-ext/config.json`: `{"registry_url", "token", "tenant"}`). The
 * tenant defaults to "local". A missing URL or token is `invalid_argument`.
 */
export async function resolveRegistrySettings(
  flags: RegistryFlags,
  deps: CliDeps,
): Promise<RegistrySettings> {
  const file =
    flags.config ?? deps.env.AMEIDE_CONFIG ?? path.join(deps.env.HOME ?? homedir(), DEFAULT_CONFIG_FILE);
  let fromFile: { registry_url?: unknown; token?: unknown; tenant?: unknown } = {};
  try {
    fromFile = JSON.parse(await deps.fs.readText(path.resolve(deps.cwd, file))) as typeof fromFile;
  } catch (cause) {
    if (flags.config !== undefined)
      throw new ExtensionError(
        "invalid_argument",
        `--config ${flags.config} cannot be read as JSON: ${(cause as Error).message}`,
      );
  }
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const url = flags.registry ?? str(deps.env.AMEIDE_REGISTRY_URL) ?? str(fromFile.registry_url);
  const token = flags.token ?? str(deps.env.AMEIDE_TOKEN) ?? str(fromFile.token);
  const tenant = flags.tenant ?? str(deps.env.AMEIDE_TENANT) ?? str(fromFile.tenant) ?? DEFAULT_TENANT;
  if (url === undefined)
    throw new ExtensionError(
      "invalid_argument",
      "no registry URL: pass --registry <url>, set AMEIDE_REGISTRY_URL, or put registry_url in ~/.ameide-ext/config.json (`npx ameide-ext dev` prints one)",
    );
  if (!/^https?:\/\/\S+$/.test(url))
    throw new ExtensionError(
      "invalid_argument",
      `the registry URL ${JSON.stringify(url)} must start with http:// or https://`,
    );
  if (token === undefined)
    throw new ExtensionError(
      "invalid_argument",
      "no token: pass --token <token>, set AMEIDE_TOKEN, or put token in ~/.ameide-ext/config.json",
    );
  return { url: url.replace(/\/+$/, ""), token, tenant };
}
