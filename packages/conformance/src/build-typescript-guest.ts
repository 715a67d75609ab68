import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildTypeScript } from "@ameide-ext/pdk";

/** The directory holding the TypeScript guests' sources, one hostile behaviour per file. */
export const TYPESCRIPT_GUESTS_DIR: string = fileURLToPath(new URL("../guests/typescript/", import.meta.url));

/**
 * Time to build every TypeScript guest once: buildTypeScript type-checks,
 * bundles and runs componentize-qjs (QuickJS + Wizer), a few seconds per guest
 * on a 2-core machine, longer when it is busy.
 */
export const TYPESCRIPT_BUILD_TIMEOUT_MS = 300_000;

/** Names of every TypeScript guest in {@link TYPESCRIPT_GUESTS_DIR}, sorted. */
export function listTypeScriptGuests(): string[] {
  return readdirSync(TYPESCRIPT_GUESTS_DIR)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -".ts".length))
    .sort();
}

/** The source of TypeScript guest `name`. */
export function readTypeScriptGuest(name: string): string {
  return readFileSync(`${TYPESCRIPT_GUESTS_DIR}${name}.ts`, "utf8");
}

const built = new Map<string, Promise<Uint8Array>>();

/** Builds TypeScript guest `name` (guests/typescript/<name>.ts) with the PDK's buildTypeScript, once per process. */
export function buildTypeScriptGuest(name: string): Promise<Uint8Array> {
  let bytes = built.get(name);
  if (!bytes) {
    bytes = buildTypeScript({ entry: `${TYPESCRIPT_GUESTS_DIR}${name}.ts` }).then((b) => b.component);
    built.set(name, bytes);
  }
  return bytes;
}
