import { afterAll, describe, expect, it } from "vitest";
import { buildGuest } from "./build-guest.js";
import { createHarness, MODES } from "./create-harness.js";
import { expectRefused, expectTechnicalError } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

const MiB = 1024 * 1024;

describe.each(MODES)("linear memory (%s)", (mode) => {
  it.each(["memory-bomb", "memory-bomb-oob"])(
    "stops %s.wat at the memory cap with resource_exhausted/memory",
    async (name) => {
      const ext = await h.load(name, { limits: { memoryMb: 2 } });
      const r = await h.invoke(mode, ext, { input: "null" });
      expectTechnicalError(r, "resource_exhausted", "memory");
      expect(r.stats.memoryLimitBytes).toBe(2 * MiB);
      expect(r.stats.peakMemoryBytes).toBeLessThanOrEqual(2 * MiB);
      await h.expectHealthy(mode);
      // The bomb's own next run starts again from its pristine, one-page memory.
      const again = await h.invoke(mode, ext, { input: "null" });
      expectTechnicalError(again, "resource_exhausted", "memory");
    },
  );
});

describe("initial memory over the cap", () => {
  it("refuses memory-over-cap.wat (300 pages against 256) at load with resource_exhausted/memory", async () => {
    // The instrumenter reads the declared minimum while it caps the memory, so the
    // refusal comes before any instance exists and names the limit, not a bad module.
    await expectRefused(() => h.load("memory-over-cap"), "resource_exhausted", "memory");
    await h.expectHealthy("inline");
  });

  it("loads the same module once the cap covers it (memoryMb 32)", async () => {
    const ext = await h.engine.load(await buildGuest("memory-over-cap"), { limits: { memoryMb: 32 } });
    expect(ext.limits.memoryMb).toBe(32);
  });
});
