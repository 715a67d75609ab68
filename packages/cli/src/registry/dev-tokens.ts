import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { OWNER_ONLY_FILE, writeOwnerOnlyFile } from "./owner-only-files.js";

/** Largest tokens.json `dev` reads back: its own holds three tokens. */
const MAX_TOKENS_FILE_BYTES = 64 * 1024;
/** An identity `dev` makes a token for, and a token as it makes them (24 random bytes, base64url). */
const IDENTITY = /^(?:user|agent):[A-Za-z0-9._@-]{1,128}$/;
const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/** The stack's tokens by identity, and why an existing tokens.json was not used, when it was not. */
export interface DevTokens {
  tokens: Record<string, string>;
  /** Set when a tokens.json was there but not one `dev` wrote: new tokens replaced it. */
  replaced?: string;
}

/**
 * The tokens of the stack in `dir`: those of `<dir>/tokens.json` when it is
 * the file an earlier start wrote (a regular file, not a link, the user's
 * own, mode 0600, three tokens or so of its shape), else new ones written
 * there. A tokens.json planted by someone else (a cloned repository's, mode
 * 0644; a link to a file of theirs; an agent's in its workspace) would give
 * its author the person's and the reviewer's tokens: it is replaced, never
 * used, and the caller says so.
 */
export async function loadOrMakeDevTokens(dir: string, username: string): Promise<DevTokens> {
  const file = path.join(dir, "tokens.json");
  const verdict = await readOwnTokens(file);
  if ("tokens" in verdict) return { tokens: verdict.tokens };
  const tokens = {
    [`user:${username.replace(/[^A-Za-z0-9._@-]/g, "_") || "dev"}`]: newToken(),
    "user:reviewer": newToken(),
    "agent:dev": newToken(),
  };
  await writeOwnerOnlyFile(file, `${JSON.stringify(tokens, null, 2)}\n`);
  return verdict.why === undefined ? { tokens } : { tokens, replaced: verdict.why };
}

const newToken = () => randomBytes(24).toString("base64url");

/** The tokens of `file` if it is one `dev` wrote; otherwise why not (undefined when there is no file). */
async function readOwnTokens(file: string): Promise<{ tokens: Record<string, string> } | { why?: string }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return {};
    return { why: code === "ELOOP" ? "it is a symbolic link" : `it cannot be read (${code})` };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { why: "it is not a regular file" };
    if (typeof process.getuid === "function" && st.uid !== process.getuid())
      return { why: `it belongs to another user (uid ${st.uid})` };
    if ((st.mode & 0o777) !== OWNER_ONLY_FILE)
      return { why: `its mode is ${(st.mode & 0o777).toString(8)}, not the 600 dev writes` };
    if (st.size > MAX_TOKENS_FILE_BYTES) return { why: `it holds ${st.size} bytes` };
    const tokens = parseTokens(await handle.readFile("utf8"));
    return tokens === undefined ? { why: "it does not hold tokens as dev writes them" } : { tokens };
  } finally {
    await handle.close();
  }
}

/** `{ "<identity>": "<token>", … }` as dev writes it, or undefined. */
function parseTokens(text: string): Record<string, string> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return undefined;
  const entries = Object.entries(doc);
  if (entries.length === 0 || entries.length > 16) return undefined;
  for (const [who, token] of entries)
    if (!IDENTITY.test(who) || typeof token !== "string" || !TOKEN.test(token)) return undefined;
  if (!entries.some(([who]) => who.startsWith("agent:"))) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}
