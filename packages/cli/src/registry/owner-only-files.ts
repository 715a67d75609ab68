import { randomUUID } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, readdir, rename, rm } from "node:fs/promises";
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
  const refuse = (why: string) =>
    new ExtensionError(
      "failed_precondition",
      `${dir} ${why}: the dev stack keeps its tokens only in a real folder of yours; remove it, or give another with --dir`,
      undefined,
      { dir },
    );
  if (why !== undefined) throw refuse(why);
  // Narrowed through a handle on the folder itself: a link swapped in after the check is not followed.
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch {
    throw refuse("is not a folder that can be opened without following a link");
  }
  try {
    await handle.chmod(OWNER_ONLY_DIR);
  } finally {
    await handle.close();
  }
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

/**
 * The text of `file` if it is a regular file of the user's that no one else may read or write (never through
 * a link; with `othersMayRead`, that no one else may write), at most `maxBytes`; otherwise why not (`why`
 * undefined when there is no such file).
 */
export async function readOwnFile(
  file: string,
  maxBytes: number,
  options: { othersMayRead?: boolean } = {},
): Promise<{ text: string } | { why?: string }> {
  const read = await readRegularFile(file, maxBytes, {
    check: (st) => {
      if (typeof process.getuid === "function" && st.uid !== process.getuid())
        return `it belongs to another user (uid ${st.uid})`;
      if ((st.mode & (options.othersMayRead === true ? 0o022 : 0o077)) !== 0)
        return `its mode is ${(st.mode & 0o777).toString(8)}, not the 600 dev writes`;
      return undefined;
    },
  });
  if ("text" in read) return { text: read.text };
  if ("why" in read) return { why: read.why };
  const code = read.error.code;
  if (code === "ENOENT") return {};
  return { why: code === "ELOOP" ? "it is a symbolic link" : `it cannot be read (${code})` };
}

/**
 * Reads `file` as UTF-8 text, opened without blocking (a FIFO does not wait for a writer) and, unless
 * `followLinks`, not through a symbolic link (`ELOOP`). Only a regular file is read, and only when `check`
 * (given its stats) finds nothing wrong, and at most `maxBytes` of it: a link to /dev/zero or a huge file
 * does not fill the memory. The text, or why not (`why`), or the error of opening it (`error`: `ENOENT`
 * when there is none).
 */
export async function readRegularFile(
  file: string,
  maxBytes: number,
  options: { followLinks?: boolean; check?: (found: Stats) => string | undefined } = {},
): Promise<{ text: string } | { why: string } | { error: NodeJS.ErrnoException }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    const noFollow = options.followLinks === true ? 0 : constants.O_NOFOLLOW;
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | noFollow);
  } catch (cause) {
    return { error: cause as NodeJS.ErrnoException };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { why: "it is not a regular file" };
    const why = options.check?.(st);
    if (why !== undefined) return { why };
    if (st.size > maxBytes) return { why: `it holds ${st.size} bytes, more than the ${maxBytes} read` };
    // Read up to one byte past the limit, whatever the size said: the file may have grown since.
    const chunks: Buffer[] = [];
    let length = 0;
    while (length <= maxBytes) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
    }
    if (length > maxBytes) return { why: `it holds more than the ${maxBytes} bytes read` };
    return { text: Buffer.concat(chunks, length).toString("utf8") };
  } finally {
    await handle.close();
  }
}

/** Removes the entry `file` (a link itself, never its target; a folder with its content); nothing when there is none. */
export function removeEntry(file: string): Promise<void> {
  return rm(file, { recursive: true, force: true });
}

/** Removes the entries of `dir` whose names `match` (links themselves, never their targets). */
export async function removeEntries(dir: string, match: (name: string) => boolean): Promise<void> {
  for (const name of await readdir(dir)) if (match(name)) await removeEntry(path.join(dir, name));
}
