import { createHash } from "node:crypto";
import path from "node:path";
import type { HookFs } from "@ameide-ext/toolkit";
import { DIST_DIR } from "@ameide-ext/toolkit";

/** One file of a hook, as uploaded. */
export interface HookSourceFile {
  /** "/"-separated, relative to the hook's folder. */
  path: string;
  content: Uint8Array;
}

const SKIP = new Set([DIST_DIR, "node_modules", ".git"]);

/**
 * The files of a hook the registry needs to build and test it: everything
 * under the folder except `dist/`, `node_modules/`, `.git/` and dot-files,
 * sorted by path. `extension.json` is among them.
 */
export async function collectSources(dir: string, fs: HookFs): Promise<HookSourceFile[]> {
  const files: HookSourceFile[] = [];
  const walk = async (rel: string) => {
    for (const name of (await fs.readdir(path.join(dir, rel))).sort()) {
      if (name.startsWith(".") || (rel === "" && SKIP.has(name))) continue;
      const relPath = rel === "" ? name : `${rel}/${name}`;
      const kind = await fs.kind(path.join(dir, relPath));
      if (kind === "dir") await walk(relPath);
      else if (kind === "file")
        files.push({ path: relPath, content: await fs.readBytes(path.join(dir, relPath)) });
    }
  };
  await walk("");
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A digest of a file set (paths and contents), to tell whether the registry already has these sources. */
export function sourcesDigest(files: ReadonlyArray<{ path: string; content: Uint8Array }>): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(f.path).update("\0").update(String(f.content.byteLength)).update("\0").update(f.content);
  }
  return h.digest("hex");
}
