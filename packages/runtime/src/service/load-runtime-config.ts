import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { parse as parseYaml } from "yaml";
import {
  type CatalogObjectUrl,
  catalogFromObject,
  createCatalogObjectClient,
  fetchCatalogObject,
  parseCatalogObjectUrl,
} from "../catalog/catalog-object.js";
import type { CatalogFile } from "../catalog/catalog-schema.js";
import { type Catalog, parseCatalog } from "../catalog/parse-catalog.js";
import { type RuntimeSettings, resolveRuntimeSettings, type SettingsOverrides } from "./runtime-settings.js";

/** A catalog file read and checked, with the settings resolved. */
export interface RuntimeConfig {
  /** Absolute path of the catalog file. */
  path: string;
  catalog: Catalog;
  settings: RuntimeSettings;
  /** Set when `runtime.catalog.source` names a catalog object: what the runtime then watches. */
  catalogObject?: CatalogObjectSource | undefined;
}

/** A catalog object the runtime watches, as first read at start. */
export interface CatalogObjectSource {
  where: CatalogObjectUrl;
  /** The config file as written: its `runtime` and `host_services` go with each object's entries. */
  base: CatalogFile;
  /** The ETag of the object read at start (unset: there was none yet). */
  etag: string | undefined;
}

/** How long the first GET of the catalog object may take at start, in milliseconds, when `store.s3.fetch_timeout_ms` is unset. */
export const CATALOG_OBJECT_START_TIMEOUT_MS = 10_000;

/** GETs of the catalog object at start before the runtime gives up (1 s apart). */
export const CATALOG_OBJECT_START_ATTEMPTS = 3;

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
  if (settings.catalog.source === undefined) return { path, catalog, settings };
  const base = parseYaml(text) as CatalogFile;
  const catalogObject = await readCatalogObjectAtStart(base, settings);
  return { path, catalog: catalogObject.catalog ?? catalog, settings, catalogObject };
}

/**
 * The first GET of `runtime.catalog.source`. An object not there yet (the
 * registry publishes on the first promotion) leaves the config file's own
 * `extensions` in force. A GET that fails (a timeout, a torn read) is tried
 * again, {@link CATALOG_OBJECT_START_ATTEMPTS} times in all, 1 s apart; then
 * an unreachable store stops the start (`unavailable / store_unavailable`),
 * as an invalid object does (`invalid_argument`) and an invalid config file.
 */
async function readCatalogObjectAtStart(
  base: CatalogFile,
  settings: RuntimeSettings,
): Promise<CatalogObjectSource & { catalog: Catalog | undefined }> {
  const where = parseCatalogObjectUrl(settings.catalog.source as string);
  const timeoutMs = settings.store.s3.fetchTimeoutMs ?? CATALOG_OBJECT_START_TIMEOUT_MS;
  const client = createCatalogObjectClient(settings.store.s3, timeoutMs);
  try {
    let got: Awaited<ReturnType<typeof fetchCatalogObject>>;
    for (let attempt = 1; ; attempt++) {
      try {
        got = await fetchCatalogObject(client, where, undefined, timeoutMs);
        break;
      } catch (cause) {
        if (attempt >= CATALOG_OBJECT_START_ATTEMPTS) throw cause;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    if (got.status !== "changed") return { where, base, etag: undefined, catalog: undefined };
    return { where, base, etag: got.etag, catalog: catalogFromObject(base, got.text, where.url) };
  } finally {
    client.destroy();
  }
}
