import { COST_MODEL, FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import { afterAll, describe, expect, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";
import { expectTechnicalError } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

/** Instructions per turn of busy-loop.wat's loop. */
const PER_TURN = 6;

describe.each(MODES)("fuel and time (%s)", (mode) => {
  it("stops infinite-loop.wat with resource_exhausted/fuel, charging the whole budget", async () => {
    const ext = await h.load("infinite-loop");
    const r = await h.invoke(mode, ext, { input: "null", limits: { cpuMillis: 10 } });
    expectTechnicalError(r, "resource_exhausted", "fuel");
    expect(r.stats.fuelLimit).toBe(10 * FUEL_PER_CPU_MILLI);
    expect(r.stats.fuelUsed).toBe(r.stats.fuelLimit);
    await h.expectHealthy(mode);
  });

  it("stops bulk-fill-loop.wat (memory.fill of 1 MiB, forever) with resource_exhausted/fuel within its CPU time", async () => {
    const ext = await h.load("bulk-fill-loop");
    const started = performance.now();
    const r = await h.invoke(mode, ext, { input: "null", limits: { cpuMillis: 10 } });
    expectTechnicalError(r, "resource_exhausted", "fuel");
    // Charged per byte, 10 ms of fuel is about 95 fills: far under a second even on a busy machine.
    // Charged per instruction it would be ~2 million fills of 1 MiB, minutes of work.
    expect(performance.now() - started).toBeLessThan(2_000);
    await h.expectHealthy(mode);
  });

  it("charges fresh-instance-table.wat, whose every invocation gets a new instance, for its table's entries", async () => {
    const ext = await h.load("fresh-instance-table");
    const charge = 500_000 * COST_MODEL.freshInstanceTableEntry;
    for (let i = 0; i < 2; i++) {
      const r = await h.invoke(mode, ext, { input: "null", limits: { cpuMillis: 100 } });
      expect([r.outcome, r.output]).toEqual(["ok", "1"]);
      expect(r.stats.fuelUsed).toBeGreaterThanOrEqual(charge);
    }
    // Over a small budget: refused before it runs, and no instance is made for it.
    const small = await h.invoke(mode, ext, { input: "null", limits: { cpuMillis: 5 } });
    expectTechnicalError(small, "resource_exhausted", "fuel");
    await h.expectHealthy(mode);
  });

  it("charges the invocation after a trap of trap-rebuild-table.wat for its new instance's table, once", async () => {
    const ext = await h.load("trap-rebuild-table");
    const limits = { cpuMillis: 100 };
    const clean = await h.invoke(mode, ext, { input: "null", limits });
    expect([clean.outcome, clean.output]).toEqual(["ok", "1"]);
    expectTechnicalError(await h.invoke(mode, ext, { input: "1", limits }), "resource_exhausted", "trap");
    const after = await h.invoke(mode, ext, { input: "null", limits });
    expect(after.outcome).toBe("ok");
    expect(after.stats.fuelUsed - clean.stats.fuelUsed).toBeGreaterThanOrEqual(
      500_000 * COST_MODEL.freshInstanceTableEntry,
    );
    expect((await h.invoke(mode, ext, { input: "null", limits })).stats.fuelUsed).toBe(clean.stats.fuelUsed);
    // Over a small budget: refused before the guest runs, until an invocation pays it; the next invocation runs.
    await h.invoke(mode, ext, { input: "1", limits });
    const small = { cpuMillis: 5 };
    expectTechnicalError(
      await h.invoke(mode, ext, { input: "null", limits: small }),
      "resource_exhausted",
      "fuel",
    );
    expect((await h.invoke(mode, ext, { input: "null", limits })).stats.fuelUsed).toBe(after.stats.fuelUsed);
    expect((await h.invoke(mode, ext, { input: "null", limits: small })).outcome).toBe("ok");
    await h.expectHealthy(mode);
  });

  it("keeps trap-rebuild-table.wat's new instance owed until an invocation pays it: a refusal does not", async () => {
    const ext = await h.load("trap-rebuild-table");
    const clean = await h.invoke(mode, ext, { input: "null", limits: { cpuMillis: 100 } });
    const small = { cpuMillis: 1 };
    expectTechnicalError(
      await h.invoke(mode, ext, { input: "1", limits: small }),
      "resource_exhausted",
      "trap",
    );
    // Refused: its 1 ms is far under the new instance (a 500,000-entry table, 8-26 ms of V8's work).
    expectTechnicalError(
      await h.invoke(mode, ext, { input: "null", limits: small }),
      "resource_exhausted",
      "fuel",
    );
    // Had that refusal paid for the instance, this would trap again, and a trap and a refusal at 1 ms each
    // would make V8 build the table over and over for 2 ms of fuel: the guest does not run until it is paid.
    expectTechnicalError(
      await h.invoke(mode, ext, { input: "1", limits: small }),
      "resource_exhausted",
      "fuel",
    );
    const paid = await h.invoke(mode, ext, { input: "null", limits: { cpuMillis: 100 } });
    expect(paid.outcome).toBe("ok");
    expect(paid.stats.fuelUsed - clean.stats.fuelUsed).toBeGreaterThanOrEqual(
      500_000 * COST_MODEL.freshInstanceTableEntry,
    );
    expect((await h.invoke(mode, ext, { input: "null", limits: small })).stats.fuelUsed).toBe(
      clean.stats.fuelUsed,
    );
    await h.expectHealthy(mode);
  });

  it("charges the invocation after a trap of linked-start-burn.wat for the start function its new instance runs again", async () => {
    const ext = await h.load("linked-start-burn");
    const limits = { cpuMillis: 100 };
    const clean = await h.invoke(mode, ext, { input: "null", limits });
    expect([clean.outcome, clean.output]).toEqual(["ok", "1"]);
    expectTechnicalError(await h.invoke(mode, ext, { input: "true", limits }), "resource_exhausted", "trap");
    const after = await h.invoke(mode, ext, { input: "null", limits });
    expect([after.outcome, after.output]).toEqual(["ok", "1"]);
    // About 90 million instructions, 310 million fuel: the start function ran again for this invocation.
    expect(after.stats.fuelUsed - clean.stats.fuelUsed).toBeGreaterThan(300_000_000);
    expect((await h.invoke(mode, ext, { input: "null", limits })).stats.fuelUsed).toBe(clean.stats.fuelUsed);
    // Over a small budget: refused, and still owed until an invocation pays it.
    expectTechnicalError(await h.invoke(mode, ext, { input: "true", limits }), "resource_exhausted", "trap");
    const small = { cpuMillis: 5 };
    expectTechnicalError(
      await h.invoke(mode, ext, { input: "null", limits: small }),
      "resource_exhausted",
      "fuel",
    );
    expectTechnicalError(
      await h.invoke(mode, ext, { input: "true", limits: small }),
      "resource_exhausted",
      "fuel",
    );
    expect((await h.invoke(mode, ext, { input: "null", limits })).stats.fuelUsed).toBe(after.stats.fuelUsed);
    await h.expectHealthy(mode);
  });

  it("runs busy-loop.wat within its budget: ok, and fuelUsed is 6 per turn plus a small constant", async () => {
    const ext = await h.load("busy-loop");
    const a = await h.invoke(mode, ext, { input: "1000000" });
    const b = await h.invoke(mode, ext, { input: "1200000" });
    expect([a.outcome, a.output, b.outcome, b.output]).toEqual(["ok", "1000000", "ok", "1200000"]);
    // Every extra turn costs exactly its 6 instructions: the block meter loses nothing.
    expect(b.stats.fuelUsed - a.stats.fuelUsed).toBe(PER_TURN * 200_000);
    // The constant (parsing the input, writing the output) is a few hundred instructions.
    expect(a.stats.fuelUsed).toBeGreaterThan(PER_TURN * 1_000_000);
    expect(a.stats.fuelUsed).toBeLessThan(PER_TURN * 1_000_000 + 1_000);
    expect(a.stats.fuelUsed).toBeLessThan(a.stats.fuelLimit);
    await h.expectHealthy(mode);
  });

  it("stops busy-loop.wat with resource_exhausted/fuel once 6 per turn passes the budget", async () => {
    const ext = await h.load("busy-loop");
    // 20% more turns than a 1 ms budget pays for.
    const turns = Math.ceil((1.2 * FUEL_PER_CPU_MILLI) / PER_TURN);
    const r = await h.invoke(mode, ext, { input: String(turns), limits: { cpuMillis: 1 } });
    expectTechnicalError(r, "resource_exhausted", "fuel");
    await h.expectHealthy(mode);
  });
});

describe.each(MODES)("an instance made again after a cache evicted it (%s)", (mode) => {
  it("charges trap-rebuild-table.wat's invocation for its new instance's table, as after a trap", async () => {
    // Caches of one entry: a second load evicts the first's instance, on the engine's thread and in the worker.
    const small = createHarness({ cacheEntries: 1, pool: { cacheEntries: 1 } });
    try {
      const limits = { cpuMillis: 100 };
      const a = await small.load("trap-rebuild-table");
      const first = await small.invoke(mode, a, { input: "null", limits });
      const b = await small.load("trap-rebuild-table");
      expect((await small.invoke(mode, b, { input: "null", limits })).outcome).toBe("ok");
      const again = await small.invoke(mode, a, { input: "null", limits });
      expect([first.outcome, again.outcome]).toEqual(["ok", "ok"]);
      // Rotating more loads than a cache holds made V8 build this table anew on every call, uncharged.
      expect(again.stats.fuelUsed - first.stats.fuelUsed).toBeGreaterThanOrEqual(
        500_000 * COST_MODEL.freshInstanceTableEntry,
      );
      await small.invoke(mode, b, { input: "null", limits });
      const starved = await small.invoke(mode, a, { input: "null", limits: { cpuMillis: 5 } });
      expectTechnicalError(starved, "resource_exhausted", "fuel");
      await small.expectHealthy(mode);
    } finally {
      await small.close();
    }
  });
});

describe("wall-clock limit", () => {
  it("pool: stops infinite-loop.wat with a generous budget at timeoutMs with deadline_exceeded/timeout, and replaces the worker", async () => {
    const ext = await h.load("infinite-loop");
    await h.expectHealthy("pool"); // the worker is up, so the time-out is the guest's alone
    const replaced = h.engine.stats().workersReplaced;
    const r = await h.engine.invoke(ext, { input: "null", limits: { cpuMillis: 10_000, timeoutMs: 200 } });
    expectTechnicalError(r, "deadline_exceeded", "timeout");
    // Timers may fire a fraction of a millisecond early against performance.now().
    expect(r.stats.durationUs).toBeGreaterThan(195_000);
    expect(h.engine.stats().workersReplaced).toBe(replaced + 1);
    await h.expectHealthy("pool");
  });

  it("inline: reports deadline_exceeded/timeout after a run that fits its fuel but not its timeoutMs", async () => {
    const ext = await h.load("busy-loop");
    // 60M instructions take tens of milliseconds; the limit is 1 ms.
    const r = h.engine.invokeInline(ext, { input: "10000000", limits: { cpuMillis: 100, timeoutMs: 1 } });
    expectTechnicalError(r, "deadline_exceeded", "timeout");
    expect(r.output).toBeUndefined();
    await h.expectHealthy("inline");
  });
});
