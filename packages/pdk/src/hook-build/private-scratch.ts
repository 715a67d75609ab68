import { lstat, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";

/**
 * A scratch folder under the OS temp folder that only this user can read:
 * `<tmp>/<name>-<uid>`, made mode 0700. The temp folder is shared by every
 * local user, so a folder found there already must be a real folder (not a
 * symlink), owned by this user and closed to others; anything else is refused
 * rather than written into (a hook's bundle must not be readable, or
 * redirected, by another user).
 */
export async function privateScratchDir(name: string, base: string = tmpdir()): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const dir = path.join(base, `${name}-${uid}`);
  await mkdir(dir, { mode: 0o700 }).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code !== "EEXIST") throw cause;
  });
  const found = await lstat(dir);
  if (!found.isDirectory() || found.uid !== uid || (found.mode & 0o077) !== 0)
    throw new ExtensionError(
      "internal",
      `the scratch folder ${dir} is not a folder of this user's alone (mode 0700): remove it and build again`,
    );
  return dir;
}
