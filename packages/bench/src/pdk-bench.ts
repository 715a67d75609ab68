/**
 * `npm run bench:pdk`: what the AssemblyScript PDK costs a hook, per phase.
 * Builds the invoice-line and deal-approval hooks and the phase hooks of
 * `hooks/pdk-phases/` (the ABI alone, parse, getters, output building, number
 * printing), runs each on the engine's inline path and prints its fuel per
 * run (deterministic: the figure to compare) and its µs per run (p50 over
 * rounds; noisy on a shared machine).
 *
 * A/B against another PDK build in the same run: `PDK_BENCH_SAVE=<dir>` writes
 * each built component to `<dir>/<name>.wasm`; run it once on the old PDK,
 * then `PDK_BENCH_BASELINE=<dir>` on the new one measures both, alternating
 * rounds, and prints them side by side. `PDK_BENCH_ONLY=invoice-line,phase:parse`
 * picks hooks by name; `PDK_BENCH_ROUNDS` sets the rounds (default 60).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { InvocationResult } from "@ameide-ext/contract";
import { createEngine, type LoadedExtension } from "@ameide-ext/runtime";
import { buildHook, DEAL_HOOK_ENTRY, INVOICE_LINE_HOOK_ENTRY } from "./build-deal-hook.js";
import { DEAL_INPUT } from "./deal-approval.js";
import { invoiceLines } from "./invoice-line.js";
import { median } from "./median.js";

const PHASES = ["trivial", "echo", "parse", "getters", "build-object", "build-numbers"] as const;
const ROUNDS = Number(process.env.PDK_BENCH_ROUNDS ?? 60);
// A wide wall-clock limit: fuel bounds the work, and a busy machine must not fail a run.
const LIMITS = { cpuMillis: 5, memoryMb: 16, timeoutMs: 1000 };
const FUEL_SLICE = 1_000_000;

interface Hook {
  name: string;
  entry: string;
  inputs: Uint8Array[];
}

interface Measured {
  fuel: number;
  micros: number[];
}

const phaseEntry = (name: string) =>
  fileURLToPath(new URL(`../hooks/pdk-phases/${name}/src/index.ts`, import.meta.url));

function hooks(): Hook[] {
  const encoder = new TextEncoder();
  const lines = invoiceLines(500).map((line) => encoder.encode(JSON.stringify(line)));
  const only = process.env.PDK_BENCH_ONLY?.split(",");
  const all: Hook[] = [
    { name: "invoice-line", entry: INVOICE_LINE_HOOK_ENTRY, inputs: lines },
    { name: "deal-approval", entry: DEAL_HOOK_ENTRY, inputs: [encoder.encode(DEAL_INPUT)] },
    ...PHASES.map((name) => ({ name: `phase:${name}`, entry: phaseEntry(name), inputs: lines })),
  ];
  return only ? all.filter((h) => only.includes(h.name)) : all;
}

/** Builds the hooks one at a time, each in a child process (two at once can pass the build timeout on a busy machine). */
async function buildAll(list: Hook[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      out[i] = (await buildHook("assemblyscript", (list[i] as Hook).entry)).component;
    }
  };
  await worker();
  return out;
}

/** One round: every input once; returns the mean µs per run and the mean fuel per run. */
function round(
  engine: ReturnType<typeof createEngine>,
  ext: LoadedExtension,
  inputs: Uint8Array[],
  count: number,
): { micros: number; fuel: number } {
  let fuel = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const attempt = engine.tryInline(ext, { input: inputs[i % inputs.length] as Uint8Array }, FUEL_SLICE);
    if (!("ran" in attempt)) throw new Error(`inline run skipped: ${attempt.skipped}`);
    fuel += check(attempt.ran).stats.fuelUsed;
  }
  return { micros: ((performance.now() - started) * 1000) / count, fuel: fuel / count };
}

function check(result: InvocationResult): InvocationResult {
  if (result.outcome === "technical_error")
    throw new Error(`the hook failed: ${JSON.stringify(result.error)}`);
  return result;
}

async function main(): Promise<void> {
  const list = hooks();
  const components = await buildAll(list);
  const save = process.env.PDK_BENCH_SAVE;
  if (save) {
    await mkdir(save, { recursive: true });
    await Promise.all(
      list.map((h, i) =>
        writeFile(path.join(save, `${h.name.replace(":", "-")}.wasm`), components[i] as Uint8Array),
      ),
    );
  }
  const baselineDir = process.env.PDK_BENCH_BASELINE;
  const baselines = baselineDir
    ? await Promise.all(list.map((h) => readFile(path.join(baselineDir, `${h.name.replace(":", "-")}.wasm`))))
    : undefined;

  const engine = createEngine();
  const rows: string[] = [];
  for (const [i, hook] of list.entries()) {
    const ext = await engine.load(components[i] as Uint8Array, { limits: LIMITS });
    const old = baselines
      ? await engine.load(new Uint8Array(baselines[i] as Buffer), { limits: LIMITS })
      : undefined;
    const count = 500;
    const now: Measured = { fuel: 0, micros: [] };
    const before: Measured = { fuel: 0, micros: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const a = round(engine, ext, hook.inputs, count);
      now.fuel = a.fuel;
      now.micros.push(a.micros);
      if (old) {
        const b = round(engine, old, hook.inputs, count);
        before.fuel = b.fuel;
        before.micros.push(b.micros);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const cells = [
      hook.name.padEnd(20),
      `${now.fuel.toFixed(0).padStart(7)} fuel/run`,
      `${median(now.micros).toFixed(2).padStart(6)} µs/run`,
    ];
    if (old)
      cells.push(
        `| baseline ${before.fuel.toFixed(0).padStart(7)} fuel/run ${median(before.micros).toFixed(2).padStart(6)} µs/run`,
        `| fuel ×${(before.fuel / now.fuel).toFixed(2)}`,
      );
    rows.push(cells.join("  "));
  }
  await engine.close();
  console.log(
    `PDK cost per run, engine inline path (fuel: deterministic; µs: p50 of ${ROUNDS} rounds of 500 runs)`,
  );
  for (const row of rows) console.log(row);
}

await main();
