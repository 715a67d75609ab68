import path from "node:path";
import { type HookFs, loadManifest, MANIFEST_FILE } from "@ameide-ext/toolkit";

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
 * The hooks (folders with an extension.json) under `root`, `FIND_HOOKS_DEPTH` levels deep, sorted by folder;
 * a manifest that does not load is listed in `problems` (its folder and the error's message).
 */
export async function findHooks(
  root: string,
  fs: HookFs,
): Promise<{ hooks: FoundHook[]; problems: string[] }> {
  const hooks: FoundHook[] = [];
  const problems: string[] = [];
  let visited = 0;
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (++visited > FIND_HOOKS_MAX_FOLDERS) return;
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const rel = path.relative(root, dir) || ".";
    if (names.includes(MANIFEST_FILE)) {
      try {
        const { manifest: m } = await loadManifest(dir, fs, rel);
        hooks.push({
          id: m.id,
          dir: rel,
          kind: m.kind,
          lang: m.lang,
          riskTier: m.risk_tier,
          version: m.version,
        });
      } catch (cause) {
        problems.push(`${rel}: ${(cause as Error).message}`);
      }
      return;
    }
    if (depth >= FIND_HOOKS_DEPTH) return;
    for (const name of names.sort()) {
      if (name.startsWith(".") || SKIPPED.has(name)) continue;
      const child = path.join(dir, name);
      if ((await fs.kind(child)) === "dir") await visit(child, depth + 1);
    }
  };
  await visit(root, 0);
  return { hooks, problems };
}
