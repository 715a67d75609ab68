import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { MANIFEST_FILE } from "@ameide-ext/toolkit";
import { loadConfinedManifest } from "./confined-manifest.js";

/** How deep under the workspace root {@link findHooks} looks for extension.json. */
export const FIND_HOOKS_DEPTH = 4;
/** At most this many folders are visited, so a huge tree cannot stall the server. */
export const FIND_HOOKS_MAX_FOLDERS = 5_000;

/** Folders never searched: output, dependencies, hidden state (.ameide-dev holds the dev stack). */
const SKIPPED = new Set(["node_modules", "dist"]);

/** One hook folder found under the root. */
export interface FoundHook {
  id: string;
  /** The folder, relative to the root. */
  dir: string;
  kind: string;
  lang: string;
  riskTier: string;
  version: string;
}

/**
 * The hooks (folders with an extension.json) under `root` (absolute, symlinks resolved), `FIND_HOOKS_DEPTH`
 * levels deep, sorted by folder; a manifest that does not load is listed in `problems` (its folder and the
 * error's message). A symlinked folder is not entered, and an extension.json is read only when its real path
 * lies inside the root (else it is a problem, `leads out of the workspace root`), so nothing outside is listed
 * or echoed.
 */
export async function findHooks(root: string): Promise<{ hooks: FoundHook[]; problems: string[] }> {
  const hooks: FoundHook[] = [];
  const problems: string[] = [];
  let visited = 0;
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (++visited > FIND_HOOKS_MAX_FOLDERS) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [] as Dirent[]);
    const rel = path.relative(root, dir) || ".";
    if (entries.some((e) => e.name === MANIFEST_FILE)) {
      try {
        hooks.push(await foundHook(root, dir, rel));
      } catch (cause) {
        problems.push(`${rel}: ${(cause as Error).message}`);
      }
      return;
    }
    if (depth >= FIND_HOOKS_DEPTH) return;
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith(".") || SKIPPED.has(entry.name)) continue;
      // A Dirent says what the entry is without following it: a symlinked folder is not a directory.
      if (entry.isDirectory()) await visit(path.join(dir, entry.name), depth + 1);
    }
  };
  await visit(root, 0);
  return { hooks, problems };
}

async function foundHook(root: string, dir: string, rel: string): Promise<FoundHook> {
  const { manifest: m } = await loadConfinedManifest(root, "dir", dir, rel);
  return { id: m.id, dir: rel, kind: m.kind, lang: m.lang, riskTier: m.risk_tier, version: m.version };
}
