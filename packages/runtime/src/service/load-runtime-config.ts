import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { type Catalog, parseCatalog } from "../catalog/parse-catalog.js";
import { type RuntimeSettings, resolveRuntimeSettings, type SettingsOverrides } from "./runtime-settings.js";

/** A catalog file read and checked, with the settings resolved. */
export interface RuntimeConfig {
  /** Absolute path of the catalog file. */
  path: string;
  catalog: Catalog;
  settings: RuntimeSettings;
}

/**
 * Reads the catalog file (YAML or JSON) and resolves the settings from the
 * command line, the environment and the file's `runtime` section, in that
 * order. The signing key is read from `AMEIDE_RUNTIME_SIGNING_KEY_FILE` when
 * set. Throws `invalid_argument` (reason `invalid_manifest`) when the file,
 * a variable or the key is not valid, `unavailable` when the file cannot be read.
 */
export async function loadRuntimeConfig(
  configPath: string,
  env: NodeJS.ProcessEnv = process.env,
  overrides: SettingsOverrides = {},
): Promise<RuntimeConfig> {
  const path = resolve(configPath);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ExtensionError(
      "unavailable",
      `catalog ${path} cannot be read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`,
      "invalid_manifest",
      { source: path },
    );
  }
  const catalog = parseCatalog(text, { source: path });
  const settings = resolveRuntimeSettings(catalog.runtime, env, overrides);
  const keyFile = env.AMEIDE_RUNTIME_SIGNING_KEY_FILE;
  if (keyFile !== undefined && keyFile !== "") {
    try {
      settings.hostCalls.signingKeyPem = await readFile(keyFile, "utf8");
    } catch (cause) {
      throw new ExtensionError(
        "invalid_argument",
        `AMEIDE_RUNTIME_SIGNING_KEY_FILE ${keyFile} cannot be read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`,
        "invalid_manifest",
      );
    }
  }
  return { path, catalog, settings };
}
