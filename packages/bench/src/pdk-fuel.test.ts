/**
 * The fuel an AssemblyScript hook pays for the PDK (issue #12): fuel is
 * deterministic, so these budgets are exact checks, not timings. Each hook is
 * built with the PDK and run on the engine's inline path; the outputs are
 * checked against the rule in plain JavaScript too, so a cheaper PDK cannot
 * pass by computing something else. The budgets pin what the fast paths
 * reached (issue #12 aims at 12k for the invoice line).
 */
import { buildAssemblyScript } from "@ameide-ext/pdk";
import { createEngine, type LoadedExtension } from "@ameide-ext/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEAL_HOOK_ENTRY, INVOICE_LINE_HOOK_ENTRY } from "./build-deal-hook.js";
import { DEAL_INPUT, DEAL_OUTPUT } from "./deal-approval.js";
import { invoiceLines, priceLine } from "./invoice-line.js";

// A wide wall-clock limit: fuel bounds the work, and a busy machine must not fail a run.
const LIMITS = { cpuMillis: 5, memoryMb: 16, timeoutMs: 1000 };
const TRIVIAL_HOOK = new URL("../hooks/pdk-phases/trivial/src/index.ts", import.meta.url).pathname;
const encoder = new TextEncoder();
const engine = createEngine();
const loaded = new Map<string, LoadedExtension>();

beforeAll(async () => {
  for (const entry of [INVOICE_LINE_HOOK_ENTRY, DEAL_HOOK_ENTRY, TRIVIAL_HOOK]) {
    const { component } = await buildAssemblyScript({ entry });
    loaded.set(entry, await engine.load(component, { limits: LIMITS }));
  }
});
afterAll(() => engine.close());

/** Runs the hook at `entry` once with `input`; its output and the fuel it used. */
function run(entry: string, input: string): { output: string | undefined; fuel: number } {
  const ext = loaded.get(entry);
  if (ext === undefined) throw new Error(`${entry} was not built`);
  const attempt = engine.tryInline(ext, { input: encoder.encode(input) }, 1_000_000);
  if (!("ran" in attempt)) throw new Error(`skipped: ${attempt.skipped}`);
  expect(attempt.ran.outcome).toBe("ok");
  return { output: attempt.ran.output, fuel: attempt.ran.stats.fuelUsed };
}

describe("the PDK's fuel per run", () => {
  it("prices an invoice line for at most 16.5k fuel (29.7k before the fast paths), with the JavaScript rule's output", () => {
    let most = 0;
    for (const line of invoiceLines(60)) {
      const { output, fuel } = run(INVOICE_LINE_HOOK_ENTRY, JSON.stringify(line));
      expect(output).toBe(JSON.stringify(priceLine(line)));
      most = Math.max(most, fuel);
    }
    expect(most).toBeLessThanOrEqual(16_500);
  });

  it("costs a hook that reads nothing at most 1.5k fuel for a 130-byte input (3.0k before)", () => {
    const line = JSON.stringify(invoiceLines(1)[0]);
    expect(run(TRIVIAL_HOOK, line).fuel).toBeLessThanOrEqual(1_500);
  });

  it("routes the deal of the deal-approval bench for at most 21k fuel (44.7k before)", () => {
    const { output, fuel } = run(DEAL_HOOK_ENTRY, DEAL_INPUT);
    expect(output).toBe(DEAL_OUTPUT);
    expect(fuel).toBeLessThanOrEqual(21_000);
  });
});
