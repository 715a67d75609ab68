import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  readlink,
  realpath,
  rename,
  stat,
  unlink,
} from "node:fs/promises";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";

// Reading and writing a file so that it stays inside a folder, whatever is swapped in meanwhile: the file is
// opened first (a regular file without following a link: O_NOFOLLOW; never blocking on a FIFO: O_NONBLOCK),
// then the real path of what the handle has open is checked inside the folder before a byte is read or
// written. A check of the path, then a read of the path, would read what a racing process linked in between.

/** Refuses `file`, which leads out of the folder a read or write must stay in (or nowhere). */
export type Refusal = (file: string) => ExtensionError;

/** A file read by {@link readInside}: its bytes and when it was last changed. */
export interface ConfinedFile {
  data: Buffer;
  mtime: Date;
}

/**
 * Reads `file` when it is a regular file whose real path lies inside `folder` (absolute, symlinks resolved);
 * else throws `refuse(file)`. `noFollow`: open a regular file with O_NOFOLLOW, so a link swapped in for it is
 * refused (pass false for a link already found to point inside: it is followed, and its target checked).
 */
export async function readInside(
  folder: string,
  file: string,
  noFollow: boolean,
  refuse: Refusal,
): Promise<ConfinedFile> {
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0));
  } catch {
    throw refuse(file); // a link swapped in (ELOOP), or gone
  }
  try {
    const st = await fh.stat();
    const real = await handlePath(fh, file, st);
    if (!st.isFile() || real === undefined || !isInside(folder, real)) throw refuse(file);
    return { data: await fh.readFile(), mtime: st.mtime };
  } finally {
    await fh.close();
  }
}

/**
 * {@link readInside} the workspace root `root`: refused by `permission_denied`, rule `workspace_root`, with
 * `details.link` the file (and `details.field` the tool argument it came from).
 */
export function readConfined(
  root: string,
  field: string,
  file: string,
  noFollow: boolean,
): Promise<ConfinedFile> {
  return readInside(root, file, noFollow, (f) => linkOut(root, field, f));
}

/**
 * Writes `data` to `dir`/`rel` (`dir` absolute, symlinks resolved): each folder on the way a real folder
 * (made when missing), the file made new (O_EXCL, O_NOFOLLOW) and its real path checked inside `dir` before a
 * byte is written, then renamed into place. A link met on the way is refused by `permission_denied`, rule
 * `workspace_root` (the root `root`, the tool argument `field`).
 */
export async function writeConfined(
  root: string,
  field: string,
  dir: string,
  rel: string,
  data: Buffer,
): Promise<void> {
  let at = dir;
  for (const part of path
    .dirname(rel)
    .split(path.sep)
    .filter((p) => p !== "" && p !== ".")) {
    at = path.join(at, part);
    const st = await lstat(at).catch(() => undefined);
    if (st === undefined) await mkdir(at);
    else if (!st.isDirectory()) throw linkOut(root, field, at);
  }
  const final = path.join(dir, rel);
  const tmp = `${final}.${randomUUID()}.tmp`;
  const fh = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    const st = await fh.stat();
    const real = await handlePath(fh, tmp, st);
    if (real === undefined || !isInside(dir, real)) {
      await unlink(real ?? tmp).catch(() => {});
      throw linkOut(root, field, path.dirname(final));
    }
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
  await rename(tmp, final);
}

/**
 * The real path of what `fh` has open: on Linux, /proc/self/fd says it (whatever happened to `file` since);
 * elsewhere, `file`'s real path when it is still the same file (device and inode), else undefined.
 */
async function handlePath(
  fh: FileHandle,
  file: string,
  st: { dev: number; ino: number },
): Promise<string | undefined> {
  const viaProc = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => undefined);
  if (viaProc !== undefined && path.isAbsolute(viaProc)) return viaProc;
  const real = await realpath(file).catch(() => undefined);
  if (real === undefined) return undefined;
  const now = await stat(real).catch(() => undefined);
  return now && now.dev === st.dev && now.ino === st.ino ? real : undefined;
}

/** The refusal of a file or folder that leads out of the workspace root `root` (or nowhere). */
export function linkOut(root: string, field: string, link: string): ExtensionError {
  const fix = `replace the symlink ${link} with the file itself, or point it inside ${root}`;
  return new ExtensionError(
    "permission_denied",
    `${link} leads out of the workspace root ${root} (or nowhere): ${fix}`,
    undefined,
    { rule: "workspace_root", field, root, link, fix },
  );
}

/** Whether `target` is `root` or lies under it (both absolute). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
