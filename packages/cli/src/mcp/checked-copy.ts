import { createHash } from "node:crypto";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { isInside, linkOut, readConfined, writeConfined } from "../files/confined-files.js";

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

/**
 * Writes back to `dir` every file of `copy` that is new or changed since {@link copyIn}; refuses a hook folder
 * swapped for a link out of the root meanwhile.
 */
async function copyOut(
  root: string,
  field: string,
  dir: string,
  copy: string,
  before: ReadonlyMap<string, string>,
): Promise<void> {
  const realDir = await realpath(dir).catch(() => undefined);
  if (realDir === undefined || !isInside(root, realDir)) throw linkOut(root, field, dir);
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
