import { createHash } from "node:crypto";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { DIST_DIR } from "@ameide-ext/toolkit";
import { isInside, readInside } from "../mcp/confined-files.js";

/** One file of a hook, as uploaded. */
export interface HookSourceFile {
  /** "/"-separated, relative to the hook's folder. */
  path: string;
  content: Uint8Array;
}

const SKIP = new Set([DIST_DIR, "node_modules", ".git"]);

/** The rule a symlink out of the hook folder is refused by, in `error.details.rule`. */
export const HOOK_FOLDER_RULE = "hook_folder";

/**
 * The files of a hook the registry needs to build and test it: everything
 * under the folder except `dist/`, `node_modules/`, `.git/` and dot-files,
 * sorted by path. `extension.json` is among them.
 *
 * What is uploaded never comes from outside the folder: a symlink whose target lies outside it (or nowhere) is
 * `permission_denied`, rule {@link HOOK_FOLDER_RULE}, `details.link` naming it (the person who promotes a
 * folder an agent wrote would otherwise send their own files, a token, to the registry). A link that stays
 * inside is followed (a folder linked to one of its own parents is not entered again). Each file is read
 * through a handle whose real path must lie inside the folder, so a file swapped for a link meanwhile is
 * refused too. The files are read from the disk, where a link can
 * be told from a file.
 */
export async function collectSources(dir: string): Promise<HookSourceFile[]> {
  const top = await realpath(dir);
  const files: HookSourceFile[] = [];
  const read = (file: string, noFollow: boolean) =>
    readInside(top, file, noFollow, (f) => linkOutOfHook(dir, f, undefined)).then(
      (f) => new Uint8Array(f.data),
    );
  const walk = async (rel: string, real: string, above: ReadonlySet<string>) => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const name = entry.name;
      if (name.startsWith(".") || (rel === "" && SKIP.has(name))) continue;
      const relPath = rel === "" ? name : `${rel}/${name}`;
      const at = path.join(dir, relPath);
      const inside = new Set([...above, real]);
      if (entry.isDirectory()) await walk(relPath, path.join(real, name), inside);
      else if (entry.isFile()) files.push({ path: relPath, content: await read(at, true) });
      else if (entry.isSymbolicLink()) {
        const target = await realpath(at).catch(() => undefined);
        if (target === undefined || !isInside(top, target)) throw linkOutOfHook(dir, at, target);
        const kind = await stat(target).catch(() => undefined);
        if (kind?.isDirectory() && !inside.has(target)) await walk(relPath, target, inside);
        else if (kind?.isFile()) files.push({ path: relPath, content: await read(at, false) });
      }
    }
  };
  await walk("", top, new Set());
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The refusal of `link` in the hook folder `dir`, which leads to `target` outside it (undefined: or nowhere). */
function linkOutOfHook(dir: string, link: string, target: string | undefined): ExtensionError {
  const fix = `replace ${link} with a copy of the file it points at, or remove it`;
  const where =
    target === undefined
      ? `a symlink that leads out of the hook folder ${dir} (or nowhere)`
      : `a symlink to ${target}, outside the hook folder ${dir}`;
  return new ExtensionError(
    "permission_denied",
    `${link} is ${where}: promote uploads the hook folder's own files only, never one from outside it; ${fix}`,
    undefined,
    { rule: HOOK_FOLDER_RULE, dir, link, ...(target === undefined ? {} : { target }), fix },
  );
}

/** A digest of a file set (paths and contents), to tell whether the registry already has these sources. */
export function sourcesDigest(files: ReadonlyArray<{ path: string; content: Uint8Array }>): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(f.path).update("\0").update(String(f.content.byteLength)).update("\0").update(f.content);
  }
  return h.digest("hex");
}
