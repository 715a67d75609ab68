import { createHash, randomUUID } from "node:crypto";
import { constants } from "node:fs";
import {
  type FileHandle,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";

// The workspace root's check (workspace-root.ts) looks at a hook folder before a tool runs; a swap in
// between (a file replaced by a symlink out of the root once the check passed) would let the build read
// or write through it (TOCTOU). So the tools work on a private copy: every file is read through a handle
// whose real path is checked inside the root (a link swapped in is refused), the tool runs on the copy
// in a folder of this process's own (mode 0700), and what it wrote comes back the same way: each parent
// a real folder, each file made new (O_EXCL, O_NOFOLLOW) and checked inside the hook folder before a byte is
// written, then renamed into place.

/**
 * Most files and folders a copy takes, the hook's node_modules included (the root's check refuses a folder
 * with over 20,000 outside node_modules before).
 */
const MAX_COPIED_ENTRIES = 100_000;

/**
 * Runs `work` on a private copy of the hook folder `dir` (already checked inside `root`), then writes back
 * the files it made or changed, and maps the copy's path in its result back to `dir`. Throws
 * `permission_denied` (`workspace_root`, `details.link`) when a file turns out to lead out of the root.
 */
export async function withCheckedCopy<T>(
  root: string,
  field: string,
  dir: string,
  work: (copy: string) => Promise<T>,
): Promise<T> {
  const scratch = await mkdtemp(path.join(tmpdir(), "ameide-mcp-"));
  try {
    const copy = path.join(scratch, path.basename(dir));
    const before = new Map<string, string>();
    // No folder there: the tool says not_found of the copy's path (mapped back), and reads nothing made since.
    const isDir = (await lstat(dir).catch(() => undefined))?.isDirectory() === true;
    if (isDir)
      await copyIn({
        root,
        field,
        from: dir,
        to: copy,
        top: true,
        npm: false,
        hashes: before,
        rel: "",
        seen: { n: 0 },
      });
    let result: T;
    try {
      result = await work(copy);
    } catch (cause) {
      throw mappedError(cause, copy, dir);
    }
    if (isDir) await copyOut(root, field, dir, copy, before);
    return mapPaths(result, copy, dir) as T;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface CopyIn {
  root: string;
  field: string;
  from: string;
  to: string;
  /** The hook folder itself. */
  top: boolean;
  /**
   * Inside the hook's own node_modules: an entry leading out of the root is left out of the copy rather than
   * refused (npm's links, never uploaded; the build refuses a package that resolves outside it all the same).
   */
  npm: boolean;
  /** Each copied file's sha256, by path relative to the hook folder. */
  hashes: Map<string, string>;
  rel: string;
  seen: { n: number };
}

async function copyIn(c: CopyIn): Promise<void> {
  await mkdir(c.to, { recursive: true, mode: 0o700 });
  for (const entry of await readdir(c.from, { withFileTypes: true })) {
    if (++c.seen.n > MAX_COPIED_ENTRIES)
      throw new ExtensionError(
        "invalid_argument",
        `${c.field} holds over ${MAX_COPIED_ENTRIES} files and folders: give the hook's own folder`,
        "invalid_input",
        { field: c.field, limit: MAX_COPIED_ENTRIES },
      );
    const from = path.join(c.from, entry.name);
    const to = path.join(c.to, entry.name);
    const rel = path.join(c.rel, entry.name);
    const npm = c.npm || (c.top && entry.name === "node_modules");
    try {
      await copyEntry({ ...c, from, to, rel, top: false, npm }, entry);
    } catch (cause) {
      if (!(npm && isLinkOut(cause))) throw cause;
    }
  }
}

/** Copies one entry of a folder: a folder, a link to a folder inside the root, a file or a link to one. */
async function copyEntry(
  c: CopyIn,
  entry: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean },
) {
  if (entry.isDirectory()) await copyIn(c);
  else if (entry.isSymbolicLink() && (await stat(c.from).catch(() => undefined))?.isDirectory()) {
    const real = await realpath(c.from).catch(() => undefined);
    if (real === undefined || !isInside(c.root, real)) throw linkOut(c.root, c.field, c.from);
    await copyIn({ ...c, from: real });
  } else if (entry.isFile() || entry.isSymbolicLink()) {
    // A regular file is opened without following a link swapped in; a link (inside the root, as checked)
    // is followed. Either way the handle's real path must lie inside the root.
    const file = await readConfined(c.root, c.field, c.from, entry.isFile());
    await writeFile(c.to, file.data, { mode: 0o600 });
    await utimes(c.to, file.mtime, file.mtime); // keeps "is dist/ older than src/" as it was
    c.hashes.set(c.rel, sha256(file.data));
  }
}

function isLinkOut(cause: unknown): boolean {
  return (
    cause instanceof ExtensionError && cause.details?.rule === "workspace_root" && "link" in cause.details
  );
}

async function readConfined(
  root: string,
  field: string,
  file: string,
  noFollow: boolean,
): Promise<{ data: Buffer; mtime: Date }> {
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | (noFollow ? constants.O_NOFOLLOW : 0));
  } catch {
    throw linkOut(root, field, file); // a link swapped in (ELOOP), or gone
  }
  try {
    const st = await fh.stat();
    const real = await handlePath(fh, file, st);
    if (!st.isFile() || real === undefined || !isInside(root, real)) throw linkOut(root, field, file);
    return { data: await fh.readFile(), mtime: st.mtime };
  } finally {
    await fh.close();
  }
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

/** Writes back to `dir` every file of `copy` that is new or changed since {@link copyIn}. */
async function copyOut(
  root: string,
  field: string,
  dir: string,
  copy: string,
  before: ReadonlyMap<string, string>,
): Promise<void> {
  const realDir = await realpath(dir);
  for (const rel of await filesUnder(copy, "")) {
    const data = await readFile(path.join(copy, rel));
    if (before.get(rel) === sha256(data)) continue;
    await writeConfined(root, field, realDir, rel, data);
  }
}

/** The files under `at` (the private copy), relative. */
async function filesUnder(at: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(at, rel), { withFileTypes: true })) {
    const child = path.join(rel, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(at, child)));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

async function writeConfined(
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

/** A tool's error with the copy's path in its message and details turned into the hook folder's. */
function mappedError(cause: unknown, from: string, to: string): unknown {
  if (!(cause instanceof ExtensionError)) return cause;
  const details =
    cause.details === undefined ? undefined : (mapPaths(cause.details, from, to) as typeof cause.details);
  return new ExtensionError(cause.code, String(mapPaths(cause.message, from, to)), cause.reason, details);
}

/** `value` with every string's `from` prefix (a path in the copy) turned into `to`. */
function mapPaths(value: unknown, from: string, to: string): unknown {
  if (typeof value === "string") return value.split(from).join(to);
  if (Array.isArray(value)) return value.map((v) => mapPaths(v, from, to));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapPaths(v, from, to)]));
  return value;
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function linkOut(root: string, field: string, link: string): ExtensionError {
  const fix = `replace the symlink ${link} with the file itself, or point it inside ${root}`;
  return new ExtensionError(
    "permission_denied",
    `${link} leads out of the workspace root ${root} (or nowhere): ${fix}`,
    undefined,
    { rule: "workspace_root", field, root, link, fix },
  );
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
