import { chmod, mkdir, writeFile } from "node:fs/promises";

/** The mode of the dev stack's folder: the owner's alone. */
export const OWNER_ONLY_DIR = 0o700;
/** The mode of each token, config and key file of the dev stack. */
export const OWNER_ONLY_FILE = 0o600;

/**
 * Makes `dir` (and its parents, as needed) and sets it to {@link OWNER_ONLY_DIR},
 * whatever mode an earlier run or another tool left it with.
 */
export async function makeOwnerOnlyFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: OWNER_ONLY_DIR });
  await chmod(dir, OWNER_ONLY_DIR);
}

/**
 * Writes `text` to `file` readable by the owner only. `writeFile`'s mode
 * applies only to a file it creates, so an existing file is chmod-ed too.
 */
export async function writeOwnerOnlyFile(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: OWNER_ONLY_FILE });
  await chmod(file, OWNER_ONLY_FILE);
}

/** Sets an existing file to {@link OWNER_ONLY_FILE}. */
export function restrictToOwner(file: string): Promise<void> {
  return chmod(file, OWNER_ONLY_FILE);
}
