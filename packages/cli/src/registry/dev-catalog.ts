import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/** Where the dev stack keeps its catalog. */
export interface DevCatalogPaths {
  /** The stack's folder: it keeps the list of the services it pointed at an answers server there. */
  dir: string;
  /** The dev catalog file the registry writes and the runtime watches. */
  catalog: string;
  /** The module store folder, for a new catalog's `runtime.store.root`. */
  modules: string;
}

/** The host service that answers host calls from a file (`dev --host-calls`), and the services it answers. */
export interface DevHostService {
  url: string;
  services: readonly string[];
}

/** The file listing the services the last start pointed at its answers server. */
const POINTED_FILE = "host-calls-services.json";

/**
 * Writes the dev catalog when it does not exist yet, and its `host_services` for this start: the services an
 * earlier start pointed at its answers server (listed in `<dir>/host-calls-services.json`) are dropped, since
 * that server is gone, and those `answers` names point at it now. Endpoints someone else set are kept, as is
 * the rest of the file (the registry keeps `host_services` when it rewrites it).
 */
export async function writeDevCatalog(paths: DevCatalogPaths, answers: DevHostService | null): Promise<void> {
  const pointedFile = path.join(paths.dir, POINTED_FILE);
  const earlier = await readJson<string[]>(pointedFile);
  const existing = await readJson<Record<string, unknown>>(paths.catalog);
  if (existing !== undefined && answers === null && (earlier ?? []).length === 0) return;
  const doc = existing ?? { env: "dev", extensions: [], runtime: { store: { root: paths.modules } } };
  const services = { ...(doc.host_services as Record<string, unknown> | undefined) };
  for (const service of earlier ?? []) delete services[service];
  for (const service of answers?.services ?? []) services[service] = { url: answers?.url };
  if (Object.keys(services).length > 0) doc.host_services = services;
  else delete doc.host_services;
  await writeAtomically(paths.catalog, `${JSON.stringify(doc, null, 2)}\n`);
  await writeAtomically(pointedFile, `${JSON.stringify(answers?.services ?? [])}\n`);
}

/** A JSON file's content, or undefined when there is no such file. */
async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    if ((cause as { code?: unknown }).code === "ENOENT") return undefined;
    throw cause;
  }
  return JSON.parse(text) as T;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}
