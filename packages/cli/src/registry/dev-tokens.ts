import { randomBytes } from "node:crypto";
import path from "node:path";
import { type DevKeyHome, openStackSeal, type StackSeal } from "./dev-stack-seal.js";
import { readOwnFile, writeOwnerOnlyFile } from "./owner-only-files.js";

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
 * the file an earlier start wrote, else new ones written there. Only dev's
 * seal proves that ({@link openStackSeal}: a MAC with the user's key, kept
 * outside the workspace, over the folder's real path and the file's content,
 * in `tokens.json.mac`): the file's mode and owner do not (git checks a
 * cloned tokens.json out 0600 under umask 077; an agent in the workspace
 * writes one as the user). A tokens.json planted by someone else would give
 * its author the person's and the reviewer's tokens: it is replaced, never
 * used, and the caller says so. It must also be a regular file of the user's,
 * mode 0600, of dev's shape, read without following a link.
 */
export async function loadOrMakeDevTokens(
  dir: string,
  username: string,
  where: DevKeyHome,
): Promise<DevTokens> {
  const file = path.join(dir, TOKENS_FILE);
  const seal = await openStackSeal(dir, where);
  const verdict = await readOwnTokens(file, seal);
  if ("tokens" in verdict) return { tokens: verdict.tokens };
  const tokens = {
    [`user:${username.replace(/[^A-Za-z0-9._@-]/g, "_") || "dev"}`]: newToken(),
    "user:reviewer": newToken(),
    "agent:dev": newToken(),
  };
  const text = `${JSON.stringify(tokens, null, 2)}\n`;
  await writeOwnerOnlyFile(file, text);
  await seal.record(TOKENS_FILE, text);
  return verdict.why === undefined ? { tokens } : { tokens, replaced: verdict.why };
}

const TOKENS_FILE = "tokens.json";
const newToken = () => randomBytes(24).toString("base64url");

/** The tokens of `file` if it is one `dev` wrote; otherwise why not (undefined when there is no file). */
async function readOwnTokens(
  file: string,
  seal: StackSeal,
): Promise<{ tokens: Record<string, string> } | { why?: string }> {
  const read = await readOwnFile(file, MAX_TOKENS_FILE_BYTES);
  if (!("text" in read)) return read;
  const tokens = parseTokens(read.text);
  if (tokens === undefined) return { why: "it does not hold tokens as dev writes them" };
  const why = await seal.check(TOKENS_FILE, read.text);
  return why === undefined ? { tokens } : { why };
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
