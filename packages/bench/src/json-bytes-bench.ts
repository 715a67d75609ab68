/**
 * `npm run bench:json-bytes`: the engine's in-place JSON check (isJsonBytes)
 * on what a 500-line invoice batch gives it (issue #12): 500 invoice-line
 * inputs and the 500 ok outputs the invoice-line hook answers, as UTF-8
 * bytes. Times the runtime's isJsonBytes against the baseline copied in
 * json-bytes-baseline.ts, in the same run, in alternating rounds (which one
 * goes first alternates too); prints the p50 over the rounds of each: µs per
 * 500 texts and ns per byte, and the speed-up. JSON_BYTES_ROUNDS sets the
 * number of rounds (default 3000).
 *
 * It first detaches an ArrayBuffer, as a service process soon has (a guest
 * memory that grows detaches the engine's view of it) and as this bench,
 * importing the runtime's sources under tsx, already had: from then on V8
 * checks every typed array read for a detached buffer, which costs a
 * byte-by-byte scanner dearly. So the figures are those of that state,
 * whatever the imports do (with no buffer ever detached, both run 15-20%
 * faster; the speed-up is alike).
 */
import { isJsonBytes } from "@ameide-ext/runtime/internal";
import { invoiceLines, priceLine } from "./invoice-line.js";
import { isJsonBytesBaseline } from "./json-bytes-baseline.js";
import { median } from "./median.js";

/** Detaches one ArrayBuffer, so that typed array reads cost what they cost in a service process (see above). */
function detachOneBuffer(): void {
  const buffer = new ArrayBuffer(8);
  structuredClone(buffer, { transfer: [buffer] });
  if (buffer.byteLength !== 0) throw new Error("the buffer was not detached");
}

const LINES = 500;
const WARMUP_ROUNDS = 300;
const ROUNDS = Number(process.env.JSON_BYTES_ROUNDS ?? 3000);

const encoder = new TextEncoder();
const lines = invoiceLines(LINES);
const sets = {
  inputs: lines.map((l) => encoder.encode(JSON.stringify(l))),
  outputs: lines.map((l) => encoder.encode(JSON.stringify(priceLine(l)))),
} as const;
const timers = { baseline: timeBaseline, current: timeCurrent } as const;

/**
 * The time the check takes over every text of `texts`, in ns; throws when it
 * refuses one (they are all JSON). One function per check, written out
 * twice, so that neither call site sees both checks (a shared one would be
 * polymorphic and inline neither).
 */
function timeBaseline(texts: readonly Uint8Array[]): number {
  const start = process.hrtime.bigint();
  let accepted = 0;
  for (let k = 0; k < texts.length; k++) if (isJsonBytesBaseline(texts[k] as Uint8Array)) accepted++;
  return elapsed(start, accepted, texts.length);
}

function timeCurrent(texts: readonly Uint8Array[]): number {
  const start = process.hrtime.bigint();
  let accepted = 0;
  for (let k = 0; k < texts.length; k++) if (isJsonBytes(texts[k] as Uint8Array)) accepted++;
  return elapsed(start, accepted, texts.length);
}

function elapsed(start: bigint, accepted: number, count: number): number {
  const ns = Number(process.hrtime.bigint() - start);
  if (accepted !== count) throw new Error(`a check refused ${count - accepted} of ${count} valid texts`);
  return ns;
}

const bytesOf = (texts: readonly Uint8Array[]) => texts.reduce((sum, t) => sum + t.length, 0);

function main(): void {
  detachOneBuffer();
  const samples = new Map<string, number[]>();
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    const order = round % 2 === 0 ? (["baseline", "current"] as const) : (["current", "baseline"] as const);
    for (const [set, texts] of Object.entries(sets))
      for (const name of order) {
        const ns = timers[name](texts);
        if (round < WARMUP_ROUNDS) continue;
        const key = `${set}/${name}`;
        samples.set(key, [...(samples.get(key) ?? []), ns]);
      }
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `bench:json-bytes: ${LINES} texts per set, p50 of ${ROUNDS} alternating rounds (node ${process.version})`,
  );
  for (const [set, texts] of Object.entries(sets)) {
    const bytes = bytesOf(texts);
    const p50 = (name: string) => median(samples.get(`${set}/${name}`) ?? []);
    const base = p50("baseline");
    const cur = p50("current");
    const row = (name: string, ns: number) =>
      `  ${name.padEnd(8)} ${(ns / 1000).toFixed(1).padStart(6)} µs per ${LINES}  ${(ns / bytes).toFixed(2)} ns/byte`;
    out(`${set} (${bytes} bytes, ${(bytes / LINES).toFixed(0)} per text):`);
    out(row("baseline", base));
    out(row("current", cur));
    out(`  speed-up ${(base / cur).toFixed(2)}×`);
  }
}

main();
