import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";

/** The mode of the dev stack's folder: the owner's alone. */
export const OWNER_ONLY_DIR = 0o700;
/** The mode of each token, config and key file of the dev stack. */
export const OWNER_ONLY_FILE = 0o600;

/**
 * Makes `dir` (and its parents, as needed) and sets it to {@link OWNER_ONLY_DIR},
 * whatever mode an earlier run or another tool left it with. Refuses a `dir`
 * that is a symbolic link or another user's folder (`failed_precondition`):
 * the stack's tokens would be written where its author reads them.
 */
export async function makeOwnerOnlyFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: OWNER_ONLY_DIR });
  const st = await lstat(dir);
  const why = st.isSymbolicLink()
    ? "is a symbolic link"
    : !st.isDirectory()
      ? "is not a folder"
      : typeof process.getuid === "function" && st.uid !== process.getuid()
        ? `belongs to another user (uid ${st.uid})`
        : undefined;
  if (why !== undefined)
    throw new ExtensionError(
      "failed_precondition",
      `${dir} ${why}: the dev stack keeps its tokens only in a real folder of yours; remove it, or give another with --dir`,
      undefined,
      { dir },
    );
  await chmod(dir, OWNER_ONLY_DIR);
}

/**
 * Writes `text` to `file` readable by the owner only: into a new file beside
 * it (never an existing one, never through a link), then renamed over `file`,
 * so a link planted at `file` is replaced, not written through.
 */
export async function writeOwnerOnlyFile(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(temp, flags, OWNER_ONLY_FILE);
  try {
    await handle.writeFile(text);
    await handle.chmod(OWNER_ONLY_FILE);
  } catch (cause) {
    await handle.close();
    await rm(temp, { force: true });
    throw cause;
  }
  await handle.close();
  await rename(temp, file);
}

/** Sets an existing file to {@link OWNER_ONLY_FILE}. */
export function restrictToOwner(file: string): Promise<void> {
  return chmod(file, OWNER_ONLY_FILE);
}
