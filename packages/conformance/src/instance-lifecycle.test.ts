import { COST_MODEL, restoreFuel } from "@ameide-ext/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";
import { expectTechnicalError } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

const MiB = 1024 * 1024;

describe.each(MODES)("a guest instance's lifecycle (%s)", (mode) => {
  it.each([
    ["data-drop", "7"],
    ["elem-drop", "1"],
    // A linked component (as a TypeScript hook is): the drop is in a module it links.
    ["linked-data-drop", "7"],
  ])("gives %s.wat its dropped segment back on every call", async (name, output) => {
    const ext = await h.load(name);
    const outcomes: Array<[string, string | undefined]> = [];
    for (let i = 0; i < 4; i++) {
      const r = await h.invoke(mode, ext, { input: "null" });
      outcomes.push([r.outcome, r.output ?? r.error?.reason]);
    }
    expect(outcomes).toEqual(Array(4).fill(["ok", output]));
    await h.expectHealthy(mode);
  });

  it("never runs start-burn.wat's start function again after a trap", async () => {
    await h.engine.warmUp();
    const started = performance.now();
    const ext = await h.load("start-burn");
    // Warm the pool's worker too, so both modes have made their first instance before the clock.
    const first = await h.invoke(mode, ext, { input: "null" });
    expect(first.output).toBe("1");
    const once = performance.now() - started;
    const rounds = 8;
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) {
      expectTechnicalError(await h.invoke(mode, ext, { input: "true" }), "resource_exhausted", "trap");
      const r = await h.invoke(mode, ext, { input: "null" });
      expect({ outcome: r.outcome, output: r.output }).toEqual({ outcome: "ok", output: "1" });
      // Its own instructions and its new instance (COST_MODEL.newInstanceModule and more), not the start's 310 million.
      expect(r.stats.fuelUsed - first.stats.fuelUsed).toBeGreaterThanOrEqual(COST_MODEL.newInstanceModule);
      expect(r.stats.fuelUsed - first.stats.fuelUsed).toBeLessThan(1_000_000);
    }
    // Each start function is about 90 million instructions (310 million fuel): eight of them would take far longer
    // than the load with its one (the load also compiles and checks the component).
    expect(performance.now() - t0).toBeLessThan(once);
    await h.expectHealthy(mode);
  });

  it("charges big-memory.wat (16 MiB after its start) for the restore of its memory", async () => {
    const ext = await h.load("big-memory", { limits: { memoryMb: 16 } });
    const echo = await h.load("echo");
    const charge = restoreFuel(16 * MiB);
    expect(charge).toBe(15 * MiB);
    const control = await h.invoke(mode, echo, { input: "1" });
    for (let i = 0; i < 2; i++) {
      const r = await h.invoke(mode, ext, { input: "1" });
      expect({ outcome: r.outcome, output: r.output, peakMemoryBytes: r.stats.peakMemoryBytes }).toEqual({
        outcome: "ok",
        output: "1",
        peakMemoryBytes: 16 * MiB,
      });
      expect(r.stats.fuelUsed).toBeGreaterThanOrEqual(charge);
      // The rest is what a trivial run costs: echo's fuel, plus big-memory's decimal output (two calls, a div and a rem by the cost model).
      const decimal = 2 * COST_MODEL.call + 2 * COST_MODEL.intDivRem;
      expect(r.stats.fuelUsed - charge).toBeLessThan(control.stats.fuelUsed + decimal + 100);
    }
    // A budget under the charge: the guest does not run, and the next call with a real budget still works.
    const poor = await h.invoke(mode, ext, { input: "1", limits: { cpuMillis: 1 } });
    expectTechnicalError(poor, "resource_exhausted", "fuel");
    expect(poor.stats.fuelUsed).toBe(poor.stats.fuelLimit);
    expect((await h.invoke(mode, ext, { input: "1" })).outcome).toBe("ok");
    await h.expectHealthy(mode);
  });
});
