import { homedir } from "node:os";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import type { CliDeps } from "../deps.js";
import { checkDiscoveredConfig, readDiscoveredConfig } from "./discovered-config.js";
import { readRegularFile } from "./owner-only-files.js";

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

/** The config file `ameide-ext dev` writes in its folder: `.ameide-dev/config.json`. */
export const DEV_CONFIG_FILE = path.join(".ameide-dev", "config.json");

/** The most of a config file the CLI reads (what dev writes is a few hundred bytes). */
export const MAX_CONFIG_BYTES = 256 * 1024;

/** The default tenant, as `run`'s default context uses. */
export const DEFAULT_TENANT = "local";

/** What a config file may hold (`dev` writes every field). */
export interface ConfigFileDocument {
  registry_url?: unknown;
  token?: unknown;
  tenant?: unknown;
  /** The runtime's URL, for `invoke`. */
  runtime_url?: unknown;
  /** The file holding the runtime caller token, for `invoke`. */
  runtime_token_file?: unknown;
}

/** A config file found and read: its path (undefined when none was found) and its fields. */
export interface ConfigFile {
  file: string | undefined;
  doc: ConfigFileDocument;
}

/**
 * Finds and reads the CLI's config file: `--config`, else `$AMEIDE_CONFIG`,
 * else the nearest `.ameide-dev/config.json` in the working directory or a
 * folder above it (what `ameide-ext dev` writes), else
 * `~/.ameide-ext/config.json`. Only a regular file of at most
 * {@link MAX_CONFIG_BYTES} is read (never waiting on a FIFO). A `--config` that
 * cannot be read as JSON is `invalid_argument`; any other missing or unreadable
 * file reads as empty. A `.ameide-dev/config.json` found by walking up is not
 * read through a link, and must look like what `dev` writes
 * ({@link readDiscoveredConfig}, {@link checkDiscoveredConfig}), else
 * `permission_denied` (`config_discovery`).
 */
export async function readConfigFile(
  flags: { config?: string | undefined },
  deps: CliDeps,
): Promise<ConfigFile> {
  const named = flags.config ?? (deps.env.AMEIDE_CONFIG || undefined);
  const discovered =
    named !== undefined ? [] : ancestors(path.resolve(deps.cwd)).map((d) => path.join(d, DEV_CONFIG_FILE));
  const candidates =
    named !== undefined
      ? [path.resolve(deps.cwd, named)]
      : [...discovered, path.join(deps.env.HOME || homedir(), DEFAULT_CONFIG_FILE)];
  for (const file of candidates) {
    let text: string;
    if (discovered.includes(file)) {
      const found = await readDiscoveredConfig(file, MAX_CONFIG_BYTES);
      if (found === undefined) continue;
      text = found;
    } else {
      // Named (or in the home folder): a link is followed, but only a regular file is read, without
      // waiting on a FIFO, and at most MAX_CONFIG_BYTES of it.
      const read = await readRegularFile(file, MAX_CONFIG_BYTES, { followLinks: true });
      if (!("text" in read)) {
        if (flags.config !== undefined)
          throw new ExtensionError(
            "invalid_argument",
            `--config ${flags.config} cannot be read: ${"why" in read ? read.why : read.error.message}; pass the config.json that \`npx ameide-ext dev\` wrote`,
          );
        continue;
      }
      text = read.text;
    }
    let doc: ConfigFileDocument;
    try {
      doc = JSON.parse(text) as ConfigFileDocument;
    } catch (cause) {
      if (flags.config !== undefined)
        throw new ExtensionError(
          "invalid_argument",
          `--config ${flags.config} cannot be read as JSON: ${(cause as Error).message}`,
        );
      return { file, doc: {} };
    }
    if (discovered.includes(file) && typeof doc === "object" && doc !== null)
      await checkDiscoveredConfig(file, doc as Record<string, unknown>);
    return { file, doc };
  }
  return { file: undefined, doc: {} };
}

/** `dir` and every folder above it, nearest first. */
function ancestors(dir: string): string[] {
  const out = [dir];
  for (let d = path.dirname(dir); d !== out[out.length - 1]; d = path.dirname(d)) out.push(d);
  return out;
}

/** Where a setting may come from, for "no registry URL"-style messages: the file read, or where one is looked for. */
export function configSources(found: ConfigFile, field: string): string {
  return found.file !== undefined
    ? `put ${field} in ${found.file}`
    : `run \`npx ameide-ext dev\` in this folder or one above (it writes ${DEV_CONFIG_FILE}, found from any folder under it), or put ${field} in ~/${DEFAULT_CONFIG_FILE}`;
}

/**
 * Resolves the registry's URL, the token and the tenant, each from the first
 * that gives it: the flag (`--registry`, `--token`, `--tenant`), the
 * environment (`AMEIDE_REGISTRY_URL`, `AMEIDE_TOKEN`, `AMEIDE_TENANT`), the
 * config file ({@link readConfigFile}: `{"registry_url", "token", "tenant"}`).
 * The tenant defaults to "local". A missing URL or token is `invalid_argument`
 * naming the config file read, or the `.ameide-dev/config.json` that `dev` writes.
 */
export async function resolveRegistrySettings(
  flags: RegistryFlags,
  deps: CliDeps,
): Promise<RegistrySettings> {
  const found = await readConfigFile(flags, deps);
  const fromFile = found.doc;
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const url = flags.registry ?? str(deps.env.AMEIDE_REGISTRY_URL) ?? str(fromFile.registry_url);
  const token = flags.token ?? str(deps.env.AMEIDE_TOKEN) ?? str(fromFile.token);
  const tenant = flags.tenant ?? str(deps.env.AMEIDE_TENANT) ?? str(fromFile.tenant) ?? DEFAULT_TENANT;
  if (url === undefined)
    throw new ExtensionError(
      "invalid_argument",
      `no registry URL: pass --registry <url>, set AMEIDE_REGISTRY_URL, or ${configSources(found, "registry_url")}`,
    );
  if (!/^https?:\/\/\S+$/.test(url))
    throw new ExtensionError(
      "invalid_argument",
      `the registry URL ${JSON.stringify(url)} must start with http:// or https://`,
    );
  if (token === undefined)
    throw new ExtensionError(
      "invalid_argument",
      `no token: pass --token <token>, set AMEIDE_TOKEN, or ${configSources(found, "token")}`,
    );
  return { url: url.replace(/\/+$/, ""), token, tenant };
}
