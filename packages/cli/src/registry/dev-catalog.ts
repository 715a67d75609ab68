import path from "node:path";
import { type DevKeyHome, openStackSeal } from "./dev-stack-seal.js";
import { readOwnFile, removeEntries, removeEntry, writeOwnerOnlyFile } from "./owner-only-files.js";

/** Where the dev stack keeps its catalog. */
export interface DevCatalogPaths {
  /** The stack's folder. */
  dir: string;
  /** The dev catalog file the registry writes and the runtime watches. */
  catalog: string;
  /** The module store folder, for the catalog's `runtime.store.root`. */
  modules: string;
}

/** The host service that answers host calls from a file (`dev --host-calls`), and the services it answers. */
export interface DevHostService {
  url: string;
  services: readonly string[];
}

/** What {@link writeDevCatalog} did not keep of the catalog it found. */
export interface DevCatalogWritten {
  /** Set when the catalog there had `runtime` or `host_services` sections dev's key does not vouch for. */
  dropped?: string;
}

/** The file earlier versions of dev kept the services they pointed at the answers server in; no longer used. */
const POINTED_FILE = "host-calls-services.json";
/** Largest catalog whose sections dev reads back to say whether it wrote them. */
const MAX_CATALOG_BYTES = 16 * 1024 * 1024;

/**
 * Writes the dev catalog for this start, new: `runtime` (the module store) and `host_services` (each service
 * `answers` names, pointed at the answers server; none without it) are dev's own, made from this start's
 * options only; `extensions`, `latest` and `pins` are left empty for the registry to write from its database.
 * Nothing of the catalog already there is used: one planted in the folder (a cloned repository's, an
 * agent's) would point host services at its author's endpoints or set the runtime's settings. When its
 * `runtime` and `host_services` are not those dev sealed at its last start (the registry keeps both as they
 * are), `dropped` says so, for the caller to tell. The catalog is written as a new file renamed over the
 * path, never through a link planted there or at a temp name beside it (those are removed).
 */
export async function writeDevCatalog(
  paths: DevCatalogPaths,
  answers: DevHostService | null,
  where: DevKeyHome,
): Promise<DevCatalogWritten> {
  const name = path.basename(paths.catalog);
  const seal = await openStackSeal(paths.dir, where);
  const dropped = await unvouchedSections(paths.catalog, (text) => seal.check(name, text));
  // A temp name a planter linked (`catalog-dev.json.tmp`, the registry's `catalog-dev.json.<pid>.tmp`) is removed.
  await removeEntries(
    paths.dir,
    (entry) =>
      (entry.startsWith(`${name}.`) || entry.startsWith(`${POINTED_FILE}.`)) && entry.endsWith(".tmp"),
  );
  await removeEntry(path.join(paths.dir, POINTED_FILE));
  const services: Record<string, { url: string }> = {};
  for (const service of answers?.services ?? []) services[service] = { url: answers?.url ?? "" };
  const doc: Record<string, unknown> = {
    env: "dev",
    extensions: [],
    runtime: { store: { root: paths.modules } },
    ...(Object.keys(services).length > 0 ? { host_services: services } : {}),
  };
  await writeOwnerOnlyFile(paths.catalog, `${JSON.stringify(doc, null, 2)}\n`);
  await seal.record(name, sectionsText(doc));
  return dropped === undefined ? {} : { dropped };
}

/** The `runtime` and `host_services` of a catalog, as the text dev seals. */
function sectionsText(doc: Record<string, unknown>): string {
  return JSON.stringify({ runtime: doc.runtime ?? null, host_services: doc.host_services ?? null });
}

/** Why the catalog at `file` has `runtime` or `host_services` sections dev did not seal; undefined if none. */
async function unvouchedSections(
  file: string,
  check: (text: string) => Promise<string | undefined>,
): Promise<string | undefined> {
  // The registry rewrites the file 0644: its mode says nothing here, dev's seal does.
  const read = await readOwnFile(file, MAX_CATALOG_BYTES, { othersMayRead: true });
  if (!("text" in read)) return read.why;
  let doc: unknown;
  try {
    doc = JSON.parse(read.text);
  } catch {
    return "it is not JSON";
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return "it is not a catalog";
  const sections = doc as Record<string, unknown>;
  if (sections.runtime === undefined && sections.host_services === undefined) return undefined;
  const why = await check(sectionsText(sections));
  return why === undefined ? undefined : `its runtime and host_services sections are ${why}`;
}
