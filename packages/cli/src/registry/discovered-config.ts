import type { Stats } from "node:fs";
import { lstat } from "node:fs/promises";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { readRegularFile } from "./owner-only-files.js";

/** The rule a refused discovered config file names in `error.details.rule`. */
export const CONFIG_DISCOVERY_RULE = "config_discovery";

/** Hosts a discovered config file may point at: this machine (where `ameide-ext dev` runs its stack). */
const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** The fields of a config file that name a server the CLI sends a token to. */
const URL_FIELDS = ["registry_url", "runtime_url"] as const;

/**
 * Refuses a `.ameide-dev/config.json` that the CLI found by walking up from
 * the working directory (not one named with `--config` or `AMEIDE_CONFIG`)
 * unless it looks like what `ameide-ext dev` writes: a file of this user that
 * no one else may write, whose URLs are on this machine and whose
 * `runtime_token_file` lies in its own folder and is such a file too (not a
 * symlink). Anyone who can write a folder
 * above the cwd (a shared temp folder, a cloned repository) could otherwise
 * have the CLI send the user's token to a server of theirs, or read any file
 * as the runtime token and send it. `permission_denied`, rule
 * {@link CONFIG_DISCOVERY_RULE}.
 */
export async function checkDiscoveredConfig(file: string, doc: Record<string, unknown>): Promise<void> {
  const refuse = (why: string) => refusal(file, why);
  const problem = ownFileProblem(await lstat(file));
  if (problem !== undefined) throw refuse(`it ${problem}`);
  for (const field of URL_FIELDS) {
    const value = doc[field];
    if (typeof value !== "string" || value === "") continue;
    if (!isLoopbackUrl(value))
      throw refuse(
        `its ${field} ${JSON.stringify(value)} is not on this machine (what dev writes is 127.0.0.1)`,
      );
  }
  const tokenFile = doc.runtime_token_file;
  if (typeof tokenFile === "string" && tokenFile !== "") {
    const folder = path.dirname(file);
    const target = path.resolve(folder, tokenFile);
    if (path.dirname(target) !== folder)
      throw refuse(`its runtime_token_file ${JSON.stringify(tokenFile)} is not in ${folder}`);
    // The name alone says nothing of what it opens: a symlink there could lead to any file of yours.
    const token = await lstat(target).catch(() => undefined); // none yet: invoke says it cannot be read
    const tokenProblem = token === undefined ? undefined : ownFileProblem(token);
    if (tokenProblem !== undefined)
      throw refuse(`its runtime_token_file ${target} ${tokenProblem} (dev writes a regular file of yours)`);
  }
}

/**
 * The text of a `.ameide-dev/config.json` found by walking up, read as {@link checkDiscoveredConfig} would
 * take the file, before it is parsed: never through a link, never waiting (a FIFO), only a regular file of
 * yours that no one else may write, and at most `maxBytes` of it. A link committed there (to /dev/zero) or a
 * FIFO would otherwise hang every command, or fill the memory. Undefined when there is none (or it cannot
 * be opened); otherwise refused as {@link checkDiscoveredConfig} refuses (`permission_denied`).
 */
export async function readDiscoveredConfig(file: string, maxBytes: number): Promise<string | undefined> {
  const read = await readRegularFile(file, maxBytes, {
    check: (found) => {
      const problem = ownFileProblem(found);
      return problem === undefined ? undefined : `it ${problem}`;
    },
  });
  if ("text" in read) return read.text;
  if ("why" in read) throw refusal(file, read.why);
  if (read.error.code === "ELOOP") throw refusal(file, `it ${SYMLINK}`);
  return undefined;
}

/** The refusal of the discovered config `file`, saying why and how to use it anyway. */
function refusal(file: string, why: string): ExtensionError {
  const fix = `pass --config ${file} (or set AMEIDE_CONFIG) if you trust it, pass --registry/--runtime yourself, or remove it`;
  return new ExtensionError(
    "permission_denied",
    `the config file ${file}, found in a folder above the working directory, is not used: ${why}; ${fix}`,
    undefined,
    { rule: CONFIG_DISCOVERY_RULE, file, fix },
  );
}

const SYMLINK = "is a symlink, not a regular file";

/**
 * Why a file found by `lstat` (or opened, not through a link) is not one `ameide-ext dev` wrote for this
 * user: not a regular file (a symlink, which could lead to any file), another user's, or writable by others;
 * undefined when it may be.
 */
function ownFileProblem(found: Stats): string | undefined {
  const uid = process.getuid?.();
  if (found.isSymbolicLink()) return SYMLINK;
  if (!found.isFile()) return "is not a regular file";
  if (uid !== undefined && found.uid !== uid) return `belongs to uid ${found.uid}, not to you (uid ${uid})`;
  if ((found.mode & 0o022) !== 0)
    return `may be written by others (mode ${(found.mode & 0o777).toString(8)}): chmod 600 it`;
  return undefined;
}

/** Whether `url` is an http(s) URL on this machine's loopback. */
function isLoopbackUrl(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    return (protocol === "http:" || protocol === "https:") && LOOPBACK_HOST.test(hostname);
  } catch {
    return false;
  }
}
