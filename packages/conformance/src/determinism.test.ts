import { afterAll, describe, expect, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";

const h = createHarness();
afterAll(() => h.close());

const INPUT = JSON.stringify({
  order: 42,
  lines: [
    { sku: "A1", qty: 3 },
    { sku: "B2", qty: 1 },
  ],
});

describe.each(MODES)("determinism (%s)", (mode) => {
  it("gives checksum.wat's same input the same output and the same fuelUsed, twice", async () => {
    const ext = await h.load("checksum");
    const a = await h.invoke(mode, ext, { input: INPUT });
    const b = await h.invoke(mode, ext, { input: INPUT });
    expect(a.outcome).toBe("ok");
    expect([b.output, b.stats.fuelUsed]).toEqual([a.output, a.stats.fuelUsed]);
  });

  it("charges fuel by the input's length only", async () => {
    const ext = await h.load("checksum");
    const a = await h.invoke(mode, ext, { input: '"aaaa"' });
    const b = await h.invoke(mode, ext, { input: '"bbbb"' });
    expect(a.output).not.toBe(b.output);
    expect(a.stats.fuelUsed).toBe(b.stats.fuelUsed);
  });
});

describe("inline and pool agree", () => {
  it.each([
    ["checksum", INPUT],
    ["busy-loop", "250000"],
    ["host-call", JSON.stringify([0, "orders", "get"])],
  ])("%s.wat: the same output and fuelUsed in both modes", async (name, input) => {
    const ext = await h.load(name);
    const inline = h.engine.invokeInline(ext, { input });
    const pool = await h.engine.invoke(ext, { input });
    expect(inline.outcome).toBe("ok");
    expect([pool.outcome, pool.output, pool.stats.fuelUsed]).toEqual([
      inline.outcome,
      inline.output,
      inline.stats.fuelUsed,
    ]);
  });
});
