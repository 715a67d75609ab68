import { lstat, mkdir, realpath, rmdir } from "node:fs/promises";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { isInside, linkOut } from "../files/confined-files.js";

/**
 * Makes the folder `dir` (already resolved inside the workspace root `root`) for a tool to write a new hook
 * into through `withCheckedCopy` (checked-copy.ts), which writes back only into a real folder: each missing folder on the
 * way is made and its real path checked inside the root (a parent swapped for a link out is refused, and the
 * folder made through it removed). `dir` itself must end up a real folder: a symlink there is refused,
 * `permission_denied` (`workspace_root`) when it leads out, else `failed_precondition`, as is a file. Returns
 * the folders it made, outermost first, for {@link removeMadeFolders}.
 */
export async function makeHookFolder(root: string, field: string, dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let at = dir; isInside(root, at) && !(await exists(at)); at = path.dirname(at)) missing.unshift(at);
  const made: string[] = [];
  try {
    for (const folder of missing) {
      if (await makeFolder(folder)) made.push(folder);
      const real = await realpath(folder).catch(() => undefined);
      if (real === undefined || !isInside(root, real)) throw linkOut(root, field, folder);
    }
    await checkRealFolder(root, field, dir);
    return made;
  } catch (cause) {
    await removeMadeFolders(made);
    throw cause;
  }
}

/** Removes the folders {@link makeHookFolder} made, innermost first, each only while it is still empty. */
export async function removeMadeFolders(made: readonly string[]): Promise<void> {
  for (const folder of [...made].reverse()) await rmdir(folder).catch(() => {});
}

/** Makes `folder` (its parent exists): true when this call made it, false when it was there already. */
async function makeFolder(folder: string): Promise<boolean> {
  try {
    await mkdir(folder);
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw cause;
  }
}

async function exists(at: string): Promise<boolean> {
  return (await lstat(at).catch(() => undefined)) !== undefined;
}

async function checkRealFolder(root: string, field: string, dir: string): Promise<void> {
  const st = await lstat(dir);
  if (st.isDirectory()) return;
  if (st.isSymbolicLink()) {
    const real = await realpath(dir).catch(() => undefined);
    if (real === undefined || !isInside(root, real)) throw linkOut(root, field, dir);
  }
  const what = st.isSymbolicLink() ? "a symlink" : "a file";
  throw new ExtensionError(
    "failed_precondition",
    `${dir} exists and is ${what}: a new hook goes into a new folder of its own; choose another dir`,
    undefined,
    { dir, field },
  );
}
