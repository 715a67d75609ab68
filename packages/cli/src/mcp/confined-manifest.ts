import { lstat } from "node:fs/promises";
import path from "node:path";
import { type HookFs, type LoadedManifest, loadManifest, MANIFEST_FILE } from "@ameide-ext/toolkit";
import { readConfined } from "../files/confined-files.js";

/**
 * The manifest of the hook folder `dir`, as `loadManifest` loads it (the same errors, `shownDir` naming the
 * folder), with extension.json read through {@link readConfined}: a regular file without following a link
 * swapped in, a link only when its target lies inside the workspace root `root`. A manifest that leads out is
 * `permission_denied`, rule `workspace_root` (`details.link`), and not a byte of its target is read.
 */
export async function loadConfinedManifest(
  root: string,
  field: string,
  dir: string,
  shownDir: string,
): Promise<LoadedManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  const found = await lstat(file).catch(() => undefined);
  const text =
    found?.isFile() || found?.isSymbolicLink()
      ? (await readConfined(root, field, file, found.isFile())).data.toString("utf8")
      : undefined;
  return loadManifest(dir, manifestOnlyFs(file, text), shownDir);
}

/** A HookFs that knows one file, `file` with `text` (none when undefined), and what is at a path. */
function manifestOnlyFs(file: string, text: string | undefined): HookFs {
  const absent = (at: string) =>
    Promise.reject(Object.assign(new Error(`${at}: not read here`), { code: "ENOENT" }));
  return {
    readText: (at) => (at === file && text !== undefined ? Promise.resolve(text) : absent(at)),
    readBytes: absent,
    writeFile: absent,
    mkdir: absent,
    readdir: absent,
    async kind(at) {
      const st = await lstat(at).catch(() => undefined);
      return st?.isDirectory() ? "dir" : st?.isFile() ? "file" : undefined;
    },
  };
}
