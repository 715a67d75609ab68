import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GUEST_PRELUDE, watComponent, watModule } from "@ameide-ext/runtime/testing";

/** The directory holding the guests' WAT sources, one hostile behaviour per file. */
export const GUESTS_DIR: string = fileURLToPath(new URL("../guests/", import.meta.url));

/**
 * How a guest source becomes bytes, as its `;; build:` line says:
 * - `component`: a core module in WAT, wrapped into a component of the contract world;
 * - `core`: a core module in WAT, left bare (no component around it);
 * - `component-text`: a whole component written in WAT, parsed as it is.
 */
export type GuestBuild = "component" | "core" | "component-text";

/** A guest's source and how to build it. */
export interface GuestSource {
  /** The file name without `.wat`. */
  name: string;
  /** The WAT text, with the prelude spliced in where the file asks for it. */
  wat: string;
  /** How it is built, from its `;; build:` line. */
  build: GuestBuild;
}

const BUILDS: ReadonlySet<string> = new Set<GuestBuild>(["component", "core", "component-text"]);
/** Where a guest wants GUEST_PRELUDE and our helpers (guests/lib/helpers.wat). */
const PRELUDE_MARK = ";; @prelude";
/**
 * `;; @repeat N text`: the line becomes `text` N times, each `{i}` in it
 * replaced by the copy's number (from 0), for guests whose hostility is
 * sheer size (tens of thousands of functions, thousands of nested blocks)
 * that no one would write out by hand. N is at most 1,000,000.
 */
const REPEAT_LINE = /^(\s*);; @repeat (\d+) (.*)$/gm;

function expandRepeats(wat: string): string {
  return wat.replace(REPEAT_LINE, (_, indent: string, n: string, text: string) => {
    const count = Number(n);
    if (count > 1_000_000) throw new Error(`@repeat ${count}: at most 1,000,000`);
    return indent + Array.from({ length: count }, (_, i) => text.replaceAll("{i}", String(i))).join(" ");
  });
}

let helpers: string | undefined;

/** Names of every guest in {@link GUESTS_DIR}, sorted. */
export function listGuests(): string[] {
  return readdirSync(GUESTS_DIR)
    .filter((f) => f.endsWith(".wat"))
    .map((f) => f.slice(0, -".wat".length))
    .sort();
}

/** Reads guest `name`: its WAT, prelude spliced in, and its build kind. */
export function readGuest(name: string): GuestSource {
  const text = readFileSync(`${GUESTS_DIR}${name}.wat`, "utf8");
  const build = /^;; build: ([\w-]+)$/m.exec(text)?.[1];
  if (build === undefined || !BUILDS.has(build)) {
    throw new Error(`guests/${name}.wat has no valid ";; build:" line (got ${JSON.stringify(build)})`);
  }
  helpers ??= readFileSync(`${GUESTS_DIR}lib/helpers.wat`, "utf8");
  const wat = expandRepeats(text).replace(PRELUDE_MARK, `${GUEST_PRELUDE}\n${helpers}`);
  return { name, wat, build: build as GuestBuild };
}

const built = new Map<string, Promise<Uint8Array>>();

/** Builds guest `name` (guests/<name>.wat) to a component or core module, once per process. */
export function buildGuest(name: string): Promise<Uint8Array> {
  let bytes = built.get(name);
  if (!bytes) {
    const { wat, build } = readGuest(name);
    // watModule is jco's plain WAT parser: it gives a component when the text is one.
    bytes = build === "component" ? watComponent(wat) : watModule(wat);
    built.set(name, bytes);
  }
  return bytes;
}
