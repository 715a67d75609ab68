import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ExtensionError } from "@ameide-ext/runtime";
import { GUEST_PRELUDE, watComponent } from "@ameide-ext/runtime/testing";

/** The calibration corpus: one WAT guest per instruction class, each looping until its fuel runs out. */
export const COST_GUESTS_DIR: string = fileURLToPath(new URL("../guests/cost/", import.meta.url));

/** Where a guest wants GUEST_PRELUDE (the canonical ABI: memory, allocator, `run`'s helpers). */
const PRELUDE_MARK = ";; @prelude";

/** One guest of the corpus. */
export interface CostGuest {
  /** The file name without `.wat`. */
  name: string;
  /** The first line of its header comment: what it stresses. */
  summary: string;
  /** The WAT text, prelude spliced in. */
  wat: string;
  /** Its `memory_mb`, from a `;; memory_mb: N` line (a guest that grows its memory far); default the contract's. */
  memoryMb: number | undefined;
}

/** Names of every guest of the corpus, sorted. */
export function listCostGuests(): string[] {
  return readdirSync(COST_GUESTS_DIR)
    .filter((f) => f.endsWith(".wat"))
    .map((f) => f.slice(0, -".wat".length))
    .sort();
}

/** Reads guest `name` of the corpus. */
export function readCostGuest(name: string): CostGuest {
  const text = readFileSync(`${COST_GUESTS_DIR}${name}.wat`, "utf8");
  if (!text.includes(PRELUDE_MARK)) {
    throw new ExtensionError("internal", `guests/cost/${name}.wat has no "${PRELUDE_MARK}" line`);
  }
  const summary = (/^;; [\w-]+: (.*)$/m.exec(text)?.[1] ?? "").trim();
  const memoryMb = /^;; memory_mb: (\d+)$/m.exec(text)?.[1];
  return {
    name,
    summary,
    wat: text.replace(PRELUDE_MARK, GUEST_PRELUDE),
    memoryMb: memoryMb === undefined ? undefined : Number(memoryMb),
  };
}

/** Builds guest `name` of the corpus into a component of the contract world. */
export function buildCostGuest(name: string): Promise<Uint8Array> {
  return watComponent(readCostGuest(name).wat);
}
