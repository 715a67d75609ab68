import { realpath } from "node:fs/promises";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";

/** The folder the MCP server may touch: every dir or file argument of a tool must resolve inside it. */
export interface WorkspaceRoot {
  /** The root, absolute and with symlinks resolved. */
  readonly root: string;
  /**
   * `value` (relative to the root, or absolute) as an absolute path inside the root. Throws
   * `permission_denied` with `details.rule` `workspace_root` when it, or the real path of its nearest existing
   * ancestor (a symlink), lies outside.
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
  return target;
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
