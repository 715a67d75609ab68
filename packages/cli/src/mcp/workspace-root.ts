import { lstat, readdir, realpath } from "node:fs/promises";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";

/** The folder the MCP server may touch: every dir or file argument of a tool must resolve inside it. */
export interface WorkspaceRoot {
  /** The root, absolute and with symlinks resolved. */
  readonly root: string;
  /**
   * `value` (relative to the root, or absolute) as an absolute path inside the root. Throws
   * `permission_denied` with `details.rule` `workspace_root` when it, or the real path of its nearest existing
   * ancestor (a symlink), lies outside, or when a symlink in the folder it names (the hook folder a tool reads
   * and writes: src/, tests/, dist/…) leads out of the root (`details.link`); `invalid_argument` when that
   * folder holds over {@link MAX_CHECKED_ENTRIES} entries.
   */
  resolve(field: string, value: string): Promise<string>;
}

/** A {@link WorkspaceRoot} at `root` (which must exist). */
export async function createWorkspaceRoot(root: string): Promise<WorkspaceRoot> {
  const real = await realpath(path.resolve(root));
  return { root: real, resolve: (field, value) => resolveInside(real, field, value) };
}

async function resolveInside(root: string, field: string, value: string): Promise<string> {
  const refuse = () =>
    new ExtensionError(
      "permission_denied",
      `${field} ${JSON.stringify(value)} is outside the workspace root ${root}: give a path inside it, relative to it`,
      undefined,
      { rule: "workspace_root", field, root, fix: `use a path under ${root}, without ../ or a symlink out` },
    );
  if (value.includes("\u0000")) throw refuse();
  const target = path.resolve(root, value);
  if (!isInside(root, target)) throw refuse();
  if (!isInside(root, await realpathOfNearest(target))) throw refuse();
  await checkLinksUnder(root, field, value, target);
  return target;
}

/** Most entries {@link WorkspaceRoot.resolve} looks at under a folder for symlinks out of the root. */
export const MAX_CHECKED_ENTRIES = 20_000;

/**
 * Refuses a symlink under `dir` (when it is a folder) whose target lies outside `root`: the tools read and write
 * through the hook folder's files, so one link out (src/index.ts, a fixture, dist/) would reach past the root.
 * The hook's own node_modules (directly under `dir`) is not entered: npm's links, never uploaded, and the
 * build confines imports itself; a node_modules that is itself a link out is refused, and a nested one is
 * entered (promote uploads it).
 */
async function checkLinksUnder(root: string, field: string, value: string, dir: string): Promise<void> {
  const top = await lstat(dir).catch(() => undefined);
  if (!top?.isDirectory()) return;
  let seen = 0;
  const pending = [dir];
  for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
    const entries = await readdir(at, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (++seen > MAX_CHECKED_ENTRIES)
        throw new ExtensionError(
          "invalid_argument",
          `${field} ${JSON.stringify(value)} holds over ${MAX_CHECKED_ENTRIES} files and folders: give the hook's own folder`,
          "invalid_input",
          {
            field,
            limit: MAX_CHECKED_ENTRIES,
            fix: "pass the folder of one hook (the one with extension.json)",
          },
        );
      const child = path.join(at, entry.name);
      if (entry.isSymbolicLink()) {
        const real = await realpath(child).catch(() => undefined);
        if (real === undefined || !isInside(root, real)) throw linkOut(root, field, child);
      } else if (entry.isDirectory() && !(at === dir && entry.name === "node_modules")) pending.push(child);
    }
  }
}

function linkOut(root: string, field: string, link: string): ExtensionError {
  const fix = `replace the symlink ${link} with the file itself, or point it inside ${root}`;
  return new ExtensionError(
    "permission_denied",
    `${link} is a symlink that leads out of the workspace root ${root} (or nowhere): ${fix}`,
    undefined,
    { rule: "workspace_root", field, root, link, fix },
  );
}

/** The real path of `target`, or of its nearest ancestor that exists, with the rest appended. */
async function realpathOfNearest(target: string): Promise<string> {
  let rest = "";
  let at = target;
  for (;;) {
    try {
      return path.join(await realpath(at), rest);
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return target;
      rest = path.join(path.basename(at), rest);
      at = parent;
    }
  }
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
