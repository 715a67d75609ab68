import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { constants } from "node:fs";
import { link, lstat, mkdir, open, readdir, realpath, rm, stat } from "node:fs/promises";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { OWNER_ONLY_DIR, OWNER_ONLY_FILE, readOwnFile, writeOwnerOnlyFile } from "./owner-only-files.js";

/** The per-user key that vouches for the dev stack's files, under the home folder (outside any workspace). */
export const DEV_KEY_FILE = path.join(".ameide-ext", "dev-key");
/** The seal of a file `<name>` in the stack's folder: `<name>.mac`. */
export const SEAL_SUFFIX = ".mac";
/** The seal that says dev made the stack's folder (its registry.db and modules/). */
const STACK_SEAL = "stack";
const KEY_BYTES = 32;
const MAC = /^[0-9a-f]{64}$/;

/** Where the dev key is kept: `home` holds `.ameide-ext/dev-key`. */
export interface DevKeyHome {
  home: string;
}

/**
 * What dev's key vouches for in one stack folder: a MAC (HMAC-SHA256 with the per-user key of
 * {@link DEV_KEY_FILE}) over the folder's real path, a file's name and its content, kept in `<name>.mac`
 * beside it. Only dev knows the key (it is never in the workspace), so a file planted in the folder (a
 * cloned repository's, an agent's) has no seal that verifies, nor has one copied from another folder.
 */
export interface StackSeal {
  /** Why dev's key does not vouch for `content` as `<name>`'s, or undefined when it does. */
  check(name: string, content: string): Promise<string | undefined>;
  /** Seals `content` as what dev wrote to `<name>` (writes `<name>.mac`). */
  record(name: string, content: string): Promise<void>;
}

/** The seals of the stack folder `dir` (an existing real folder), with the key under `home`, made on first use. */
export async function openStackSeal(dir: string, where: DevKeyHome): Promise<StackSeal> {
  const key = await loadDevKey(where.home);
  const realDir = await realpath(dir);
  const mac = (name: string, content: string) =>
    createHmac("sha256", key)
      .update(`ameide-ext dev seal v1\0${realDir}\0${name}\0`)
      .update(content)
      .digest("hex");
  const sealFile = (name: string) => path.join(dir, `${name}${SEAL_SUFFIX}`);
  return {
    async check(name, content) {
      const read = await readOwnFile(sealFile(name), 1024);
      if (!("text" in read))
        return `not vouched for by your dev key (${read.why === undefined ? `no ${name}${SEAL_SUFFIX}` : `${name}${SEAL_SUFFIX}: ${read.why}`})`;
      const claimed = read.text.trim();
      if (!MAC.test(claimed)) return `not vouched for by your dev key (${name}${SEAL_SUFFIX} holds no seal)`;
      const same = timingSafeEqual(Buffer.from(claimed, "hex"), Buffer.from(mac(name, content), "hex"));
      return same
        ? undefined
        : `not vouched for by your dev key (its seal does not match: dev did not write it, here, as it is)`;
    },
    record: (name, content) => writeOwnerOnlyFile(sealFile(name), `${mac(name, content)}\n`),
  };
}

/**
 * The key of `<home>/.ameide-ext/dev-key` (32 random bytes), made on first use: the folder mode 0700, the
 * key 0600, written whole to a new file (never through a link) that is then linked at the key's name, so a
 * dev started at the same time never reads a key half made: it reads the one the first made. An existing key
 * that is a link, another user's, or readable by others, or a key folder others may write or another user's,
 * is refused (`failed_precondition`, naming the fix): whoever could read or plant it could forge dev's seals.
 */
export async function loadDevKey(home: string): Promise<Buffer> {
  const file = path.join(home, DEV_KEY_FILE);
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: OWNER_ONLY_DIR });
  const refuse = (why: string) =>
    new ExtensionError(
      "failed_precondition",
      `${file} ${why}: it is the key that vouches for the dev stack's tokens; remove it (dev makes a new one, and new tokens)`,
      undefined,
      { file },
    );
  const folderProblem = keyFolderProblem(dir, await stat(dir));
  if (folderProblem !== undefined)
    throw new ExtensionError(
      "failed_precondition",
      `${dir}, the folder of dev's key (${file}), ${folderProblem.why}: anyone who could write in it could plant a key and forge dev's seals, so dev does not use it; ${folderProblem.fix}`,
      undefined,
      { file, dir, fix: folderProblem.fix },
    );
  for (let attempt = 0; attempt < 2; attempt++) {
    const read = await readOwnFile(file, 1024);
    if ("text" in read) {
      if (read.text.trim() === "")
        throw refuse("is empty (a dev, or an older ameide-ext, stopped while making it)");
      const key = Buffer.from(read.text.trim(), "hex");
      if (key.length !== KEY_BYTES) throw refuse("does not hold a key as dev writes it");
      return key;
    }
    if (read.why !== undefined) throw refuse(read.why);
    const key = randomBytes(KEY_BYTES);
    // Written whole beside it first: the key's name only ever holds a complete key.
    const temp = path.join(dir, `.dev-key.${randomUUID()}.tmp`);
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      OWNER_ONLY_FILE,
    );
    try {
      try {
        await handle.writeFile(`${key.toString("hex")}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await link(temp, file); // never replaces a key: EEXIST when another dev made one first
      return key;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== "EEXIST") throw cause;
      // Another dev made it at the same time: read theirs (complete, as it was linked when written).
    } finally {
      await rm(temp, { force: true });
    }
  }
  throw refuse("cannot be made");
}

/**
 * Why the key's folder `dir` (as `stat` found it) cannot hold dev's key, with the command that fixes it:
 * not a folder, another user's (made by a run under sudo), or one others may write (made under umask 002).
 */
export function keyFolderProblem(
  dir: string,
  found: { isDirectory(): boolean; uid: number; mode: number },
): { why: string; fix: string } | undefined {
  if (!found.isDirectory())
    return { why: "is not a folder", fix: `move it aside (dev makes the folder, mode 700, for its key)` };
  const me = process.getuid?.();
  const chmod = `chmod 700 ${dir}`;
  const theirs = !ownedByMe(found.uid);
  const shared = (found.mode & 0o022) !== 0;
  const mode = (found.mode & 0o777).toString(8);
  if (theirs) {
    const chown = `sudo chown -R ${me} ${dir}`;
    return {
      why: `belongs to uid ${found.uid}, not to you (uid ${me}): made by a run under sudo?`,
      fix: shared ? `run \`${chown} && ${chmod}\`` : `run \`${chown}\``,
    };
  }
  if (shared) return { why: `may be written by others (mode ${mode})`, fix: `run \`${chmod}\`` };
  return undefined;
}

const ownedByMe = (uid: number) => typeof process.getuid !== "function" || uid === process.getuid();

/** Names in the stack's folder the registry's SQLite database writes, and where it writes modules. */
const DATABASE_FILES = ["registry.db", "registry.db-wal", "registry.db-shm", "registry.db-journal"];

/**
 * Takes the stack folder `dir` (an existing real folder of the user's) for this start. Its registry.db says
 * which versions are approved and modules/ what they run, so a folder dev's key does not vouch for (no
 * `stack.mac`, or a seal for another folder or key: a cloned repository's `.ameide-dev`, an agent's) that
 * holds either is refused (`failed_precondition`, naming the fix); an empty one is sealed as dev's. A link at
 * registry.db (or its journal files) or modules/ is refused too: the services would write through it.
 */
export async function claimStackFolder(dir: string, where: DevKeyHome): Promise<void> {
  const seal = await openStackSeal(dir, where);
  const refuse = (why: string) =>
    new ExtensionError(
      "failed_precondition",
      `${dir} ${why}; remove the folder (dev makes a new stack), or give another with --dir`,
      undefined,
      { dir },
    );
  for (const name of [...DATABASE_FILES, "modules"]) {
    const st = await lstat(path.join(dir, name)).catch(() => undefined);
    if (st === undefined) continue;
    if (st.isSymbolicLink()) throw refuse(`has a symbolic link at ${name}, where dev's services write`);
    if (name === "modules" ? !st.isDirectory() : !st.isFile())
      throw refuse(`has a ${name} that is not a ${name === "modules" ? "folder" : "regular file"}`);
  }
  const why = await seal.check(STACK_SEAL, "");
  if (why === undefined) return;
  const held = [
    ...((await lstat(path.join(dir, "registry.db")).catch(() => undefined)) ? ["a registry.db"] : []),
    ...((await readdir(path.join(dir, "modules")).catch(() => [])).length > 0 ? ["modules"] : []),
  ];
  if (held.length > 0)
    throw refuse(
      `holds ${held.join(" and ")} dev did not make here, ${why}: whoever made them chooses which versions run`,
    );
  await seal.record(STACK_SEAL, "");
}
