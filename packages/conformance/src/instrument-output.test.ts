import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ExtensionError } from "@ameide-ext/contract";
import { type InstrumentOptions, instrumentModule, planLink } from "@ameide-ext/runtime/internal";
import { describe, expect, it } from "vitest";
import { buildGuest } from "./build-guest.js";
import { buildTypeScriptGuest, TYPESCRIPT_BUILD_TIMEOUT_MS } from "./build-typescript-guest.js";

// The instrumenter's output, byte for byte: the sha256 of what instrumentModule makes of every core
// module of a few guests, under each way of counting and metering, or the code/reason it refuses one
// with. A refactor of the instrumenter leaves instrument-output.sha256.json as it is; a change of what
// it writes changes the file on purpose, in the same commit.

const PINNED = JSON.parse(
  readFileSync(new URL("./instrument-output.sha256.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

/** Guests whose core modules cover every section the instrumenter rewrites (tables, memories, globals, elements, data, start) and the imports it refuses. */
const WAT_GUESTS = [
  "checksum",
  "bulk-fill-loop",
  "data-drop",
  "elem-drop",
  "global-counter",
  "memory-counter",
  "table-grow-bomb",
  "table-swap",
  "start-burn",
  "hidden-memory",
  "linked-data-drop",
  "imported-global",
  "imported-memory",
];
const TS_GUEST = "echo";
/**
 * The TypeScript hook's own module is a QuickJS snapshot whose data segment
 * differs between builds (QuickJS seeds at init time): its data section is
 * left out of its fingerprint. Its other sections, and the other twelve
 * modules (QuickJS itself among them), are the same in every build.
 */
const SNAPSHOT_MODULE = "guest.core.wasm";
const DATA_SECTION = 11;

const OPTIONS: Record<string, InstrumentOptions> = {
  defined: { maxMemoryPages: 256, maxCallDepth: 1_000 },
  imported: { maxMemoryPages: 256, maxCallDepth: 1_000, counters: "imported" },
  exact: { maxMemoryPages: 16, maxCallDepth: 500, meter: "exact" },
  uniform: { maxMemoryPages: 16, maxCallDepth: 500, meter: "uniform", counters: "imported" },
  none: { maxMemoryPages: 16, maxCallDepth: 500, meter: "none", initFuel: 12_345n },
};

/**
 * The sha256 of a core module's sections but those with an id in `without`,
 * each as its id, size and payload. The sections are walked here, not with
 * the runtime's reader, so the pin does not lean on the code it pins.
 */
function sha256OfSections(module: Uint8Array, without: readonly number[]): string {
  const hash = createHash("sha256");
  let at = 8;
  while (at < module.length) {
    const id = module[at++] as number;
    let size = 0;
    for (let shift = 0, b = 0x80; b & 0x80; shift += 7) {
      b = module[at++] as number;
      size += (b & 0x7f) * 2 ** shift;
    }
    if (!without.includes(id))
      hash
        .update(Uint8Array.of(id))
        .update(String(size))
        .update(module.subarray(at, at + size));
    at += size;
  }
  return hash.digest("hex");
}

/** The fingerprint of each option set's output, or the code/reason of its refusal. */
function fingerprints(module: Uint8Array, without: readonly number[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, options] of Object.entries(OPTIONS)) {
    try {
      const { bytes } = instrumentModule(module, options);
      out[name] =
        without.length === 0
          ? createHash("sha256").update(bytes).digest("hex")
          : sha256OfSections(bytes, without);
    } catch (e) {
      const err = ExtensionError.from(e);
      out[name] = `${err.code}/${err.reason}`;
    }
  }
  return out;
}

/** Fingerprints of every core module of `component`, by the name jco gives it. */
async function fingerprintComponent(component: Uint8Array): Promise<Record<string, Record<string, string>>> {
  const { modules } = await planLink(component);
  return Object.fromEntries(
    [...modules]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, m]) => [name, fingerprints(m, name === SNAPSHOT_MODULE ? [DATA_SECTION] : [])]),
  );
}

describe("instrumentModule() output", () => {
  it("is byte for byte the one pinned, for the corpus guests", async () => {
    const all: Record<string, unknown> = {};
    for (const name of WAT_GUESTS) all[name] = await fingerprintComponent(await buildGuest(name));
    expect(all).toEqual(PINNED.wat);
  });

  it(
    "is byte for byte the one pinned, for a TypeScript hook's thirteen modules",
    async () => {
      expect(await fingerprintComponent(await buildTypeScriptGuest(TS_GUEST))).toEqual(PINNED.typescript);
    },
    TYPESCRIPT_BUILD_TIMEOUT_MS,
  );
});
