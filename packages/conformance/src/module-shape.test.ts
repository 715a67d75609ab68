import { MAX_LINKED_MODULES, MODULE_SHAPE_CAPS, tableEntryBudget } from "@ameide-ext/contract";
import { isExtensionError } from "@ameide-ext/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";
import { expectRefused } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

/** The cap a refusal names, with the value it saw. */
async function refusedCap(guest: string): Promise<unknown> {
  try {
    await h.load(guest);
  } catch (cause) {
    if (isExtensionError(cause)) return cause.details;
    throw cause;
  }
  return undefined;
}

describe("modules over a shape cap (issue #10, item 4)", () => {
  it.each([
    ["many-big-tables", "tableEntries", 1_600_000, tableEntryBudget(16)],
    ["many-functions", "functions", MODULE_SHAPE_CAPS.functions + 1, MODULE_SHAPE_CAPS.functions],
    ["deep-nesting", "blockDepth", MODULE_SHAPE_CAPS.blockDepth + 1, MODULE_SHAPE_CAPS.blockDepth],
    [
      "many-locals",
      "localsPerFunction",
      MODULE_SHAPE_CAPS.localsPerFunction + 1,
      MODULE_SHAPE_CAPS.localsPerFunction,
    ],
  ])(
    "refuses %s.wat at load with invalid_argument/module_too_complex (cap %s)",
    async (guest, cap, actual, limit) => {
      await expectRefused(() => h.load(guest), "invalid_argument", "module_too_complex");
      expect(await refusedCap(guest)).toEqual({ cap, actual, limit });
      await h.expectHealthy("pool");
    },
  );

  it("refuses many-modules.wat, a composed component of 34 core modules, with invalid_argument/module_too_complex (cap modules)", async () => {
    await expectRefused(() => h.load("many-modules"), "invalid_argument", "module_too_complex");
    expect(await refusedCap("many-modules")).toEqual({
      cap: "modules",
      actual: 34,
      limit: MAX_LINKED_MODULES,
    });
    await h.expectHealthy("pool");
  });

  it("loads many-big-tables.wat once memory_mb pays for its 1.6 million entries (64 MiB)", async () => {
    expect(tableEntryBudget(64)).toBeGreaterThanOrEqual(1_600_000);
    const ext = await h.load("many-big-tables", { limits: { memoryMb: 64 } });
    expect(ext.limits.memoryMb).toBe(64);
  });
});

describe.each(MODES)("table.grow past the table budget (%s)", (mode) => {
  it("gives table-grow-bomb.wat -1 for a grow of 1M entries, and the next small grow still works", async () => {
    const ext = await h.load("table-grow-bomb");
    for (let i = 0; i < 2; i++) {
      const r = await h.invoke(mode, ext, { input: "null" });
      expect({ outcome: r.outcome, output: r.output, error: r.error }).toEqual({
        outcome: "ok",
        output: "1001",
        error: undefined,
      });
    }
    await h.expectHealthy(mode);
  });
});
