import { createHash } from "node:crypto";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { DIST_DIR } from "@ameide-ext/toolkit";
import { isInside, readInside } from "../files/confined-files.js";

/** One file of a hook, as uploaded. */
export interface HookSourceFile {
  /** "/"-separated, relative to the hook's folder. */
  path: string;
  content: Uint8Array;
}

const SKIP = new Set([DIST_DIR, "node_modules", ".git"]);

/** Most files promote uploads: the registry's own limit per version (UploadSource). */
export const MAX_COLLECTED_FILES = 2_000;
/** Most bytes of files promote uploads: what the registry reads of one request (32 MiB). */
export const MAX_COLLECTED_BYTES = 32 * 1024 * 1024;
/**
 * Most files, folders and links the walk looks at, through links included: links to sibling folders inside the
 * hook folder may list the same files under many paths (k folders each with 10 links to the next: 10^k).
 */
export const MAX_WALKED_ENTRIES = 20_000;

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
 *
 * The walk is bounded, as a hostile folder's links to sibling folders list the same files under paths that
 * multiply: over {@link MAX_WALKED_ENTRIES} entries looked at, over {@link MAX_COLLECTED_FILES} files or
 * over {@link MAX_COLLECTED_BYTES} bytes (a file's size is checked before it is read) is `invalid_argument`,
 * saying how many and the limit.
 */
export async function collectSources(dir: string): Promise<HookSourceFile[]> {
  const top = await realpath(dir);
  const files: HookSourceFile[] = [];
  let walked = 0;
  let found = 0;
  let bytes = 0;
  const read = async (file: string, relPath: string, noFollow: boolean, size: number) => {
    found++;
    if (found > MAX_COLLECTED_FILES) return; // counted, not read: the error says how many there are
    if (bytes + size > MAX_COLLECTED_BYTES) throw tooManyBytes(dir, bytes + size);
    const data = (await readInside(top, file, noFollow, (f) => linkOutOfHook(dir, f, undefined))).data;
    bytes += data.byteLength;
    if (bytes > MAX_COLLECTED_BYTES) throw tooManyBytes(dir, bytes);
    files.push({ path: relPath, content: new Uint8Array(data) });
  };
  const walk = async (rel: string, real: string, above: ReadonlySet<string>) => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    walked += entries.length;
    if (walked > MAX_WALKED_ENTRIES) throw tooManyEntries(dir);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const name = entry.name;
      if (name.startsWith(".") || (rel === "" && SKIP.has(name))) continue;
      const relPath = rel === "" ? name : `${rel}/${name}`;
      const at = path.join(dir, relPath);
      const inside = new Set([...above, real]);
      if (entry.isDirectory()) await walk(relPath, path.join(real, name), inside);
      else if (entry.isFile()) await read(at, relPath, true, (await lstat(at)).size);
      else if (entry.isSymbolicLink()) {
        const target = await realpath(at).catch(() => undefined);
        if (target === undefined || !isInside(top, target)) throw linkOutOfHook(dir, at, target);
        const kind = await stat(target).catch(() => undefined);
        if (kind?.isDirectory() && !inside.has(target)) await walk(relPath, target, inside);
        else if (kind?.isFile()) await read(at, relPath, false, kind.size);
      }
    }
  };
  await walk("", top, new Set());
  if (found > MAX_COLLECTED_FILES) {
    const fix =
      "upload the hook's own sources only: move other files out of its folder, or remove links that list a folder again";
    throw new ExtensionError(
      "invalid_argument",
      `the hook folder ${dir} has ${found} files to upload (links to folders counted under each path), the limit is ${MAX_COLLECTED_FILES}: ${fix}`,
      "invalid_input",
      { field: "dir", dir, limit: MAX_COLLECTED_FILES, actual: found, fix },
    );
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The refusal of a hook folder whose walk looked at over {@link MAX_WALKED_ENTRIES} entries. */
function tooManyEntries(dir: string): ExtensionError {
  const fix =
    "remove the symlinks to folders inside the hook folder that list the same files under many paths, or move what the hook does not need out of it";
  return new ExtensionError(
    "invalid_argument",
    `the hook folder ${dir} lists over ${MAX_WALKED_ENTRIES} files, folders and links (through its symlinks to folders), the limit is ${MAX_WALKED_ENTRIES}: ${fix}`,
    "invalid_input",
    { field: "dir", dir, limit: MAX_WALKED_ENTRIES, fix },
  );
}

/** The refusal of a hook folder whose files come to `bytes`, over {@link MAX_COLLECTED_BYTES}. */
function tooManyBytes(dir: string, bytes: number): ExtensionError {
  const fix = "upload the hook's own sources only: move large files (data, builds) out of its folder";
  return new ExtensionError(
    "invalid_argument",
    `the files of the hook folder ${dir} come to ${bytes} bytes or more, the limit is ${MAX_COLLECTED_BYTES} bytes (32 MiB): ${fix}`,
    "invalid_input",
    { field: "dir", dir, limit: MAX_COLLECTED_BYTES, actual: bytes, fix },
  );
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
