import { MODULE_SHAPE_CAPS, type ModuleShapeCap, tableEntryBudget } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { watModule } from "../testing/wat-component.js";
import { capTableMaximums } from "./cap-tables.js";
import { checkModuleShape, type ShapeCaps, shapeCapsFor } from "./check-module-shape.js";
import { instrumentModule } from "./instrument-module.js";

/** Caps that hold nothing back, but `cap`, set to `limit`. */
const only = (cap: ModuleShapeCap, limit: number): ShapeCaps =>
  ({
    ...Object.fromEntries(Object.keys(MODULE_SHAPE_CAPS).map((k) => [k, Number.MAX_SAFE_INTEGER])),
    [cap]: limit,
  }) as ShapeCaps;

/** The details of the refusal `action` throws, asserting its code and reason. */
function refusal(action: () => unknown): unknown {
  try {
    action();
  } catch (cause) {
    const err = cause as { code: string; reason: string; details: unknown };
    expect({ code: err.code, reason: err.reason }).toEqual({
      code: "invalid_argument",
      reason: "module_too_complex",
    });
    return err.details;
  }
  throw new Error("expected a refusal, the call succeeded");
}

const SAMPLE = `(module
  (type (func (param i32) (result i32)))
  (import "env" "f" (func (type 0)))
  (table 3 10 funcref) (table 2 funcref)
  (memory 1)
  (global (mut i32) (i32.const 0)) (global i32 (i32.const 1))
  (func (export "a") (param i32) (result i32) (local i32 i64)
    (block (loop (if (local.get 0) (then (br 2)))))
    (local.get 0))
  (elem (i32.const 0) func 0)
  (data (i32.const 0) "x") (data "y"))`;

describe("checkModuleShape()", () => {
  it("measures every capped figure of a module in one pass", async () => {
    const shape = checkModuleShape(await watModule(SAMPLE));
    expect(shape).toMatchObject({
      types: 1,
      imports: 1,
      functions: 2,
      tables: 2,
      tableEntries: 5,
      globals: 2,
      exports: 1,
      elemSegments: 1,
      dataSegments: 2,
      localsPerFunction: 2,
      blockDepth: 3,
    });
  });

  it.each([
    ["types", 0, 1],
    ["imports", 0, 1],
    ["functions", 1, 2],
    ["tables", 1, 2],
    ["tableEntries", 4, 5],
    ["globals", 1, 2],
    ["exports", 0, 1],
    ["elemSegments", 0, 1],
    ["dataSegments", 1, 2],
    ["localsPerFunction", 1, 2],
    ["blockDepth", 2, 3],
  ] as Array<[ModuleShapeCap, number, number]>)(
    "refuses a module over the %s cap with invalid_argument/module_too_complex, naming it",
    async (cap, limit, actual) => {
      const bytes = await watModule(SAMPLE);
      expect(refusal(() => checkModuleShape(bytes, only(cap, limit)))).toEqual({ cap, actual, limit });
      expect(() => checkModuleShape(bytes, only(cap, actual))).not.toThrow();
    },
  );

  it("refuses a body over bodyBytes on its size, before decoding it", async () => {
    const bytes = await watModule(SAMPLE);
    const size = checkModuleShape(bytes).bodyBytes;
    expect(refusal(() => checkModuleShape(bytes, only("bodyBytes", size - 1)))).toEqual({
      cap: "bodyBytes",
      actual: size,
      limit: size - 1,
    });
  });

  it("refuses a count from its section header, before decoding entries that are not there", () => {
    // A type section that claims 2^32-1 types and holds none: the cap answers before the reader runs out.
    const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(refusal(() => checkModuleShape(bytes))).toEqual({
      cap: "types",
      actual: 0xffffffff,
      limit: MODULE_SHAPE_CAPS.types,
    });
  });

  it("counts table entries against the memory cap (tableEntryBudget, 32 bytes an entry)", () => {
    expect(tableEntryBudget(16)).toBe(524_288);
    expect(tableEntryBudget(1024)).toBe(MODULE_SHAPE_CAPS.tableEntries);
    expect(shapeCapsFor(16 * 16).tableEntries).toBe(524_288);
  });
});

describe("capTableMaximums()", () => {
  it("gives each table an equal share of the budget the initial sizes leave, never past its own maximum", () => {
    expect(capTableMaximums([{ min: 10, max: undefined }], 100)).toEqual([100]);
    expect(
      capTableMaximums(
        [
          { min: 10, max: undefined },
          { min: 20, max: 25 },
        ],
        100,
      ),
    ).toEqual([45, 25]);
    expect(capTableMaximums([{ min: 1, max: 1_000_000 }], 50)).toEqual([50]);
  });
});

describe("instrumentModule() table maximums", () => {
  it("caps a table without a maximum, so table.grow past the budget returns -1", async () => {
    const wat = `(module (table 1 funcref)
      (func (export "grow") (param i32) (result i32) (table.grow 0 (ref.null func) (local.get 0))))`;
    const out = instrumentModule(await watModule(wat), { maxMemoryPages: 16, maxCallDepth: 100 });
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(out.bytes));
    const grow = exports.grow as (n: number) => number;
    const budget = tableEntryBudget(1);
    expect(grow(budget)).toBe(-1);
    expect(grow(budget - 1)).toBe(1);
    expect(grow(1)).toBe(-1);
  });

  it("refuses tables whose initial sizes are over the budget", async () => {
    const bytes = await watModule(`(module (table ${tableEntryBudget(1) + 1} funcref))`);
    expect(refusal(() => instrumentModule(bytes, { maxMemoryPages: 16, maxCallDepth: 100 }))).toEqual({
      cap: "tableEntries",
      actual: tableEntryBudget(1) + 1,
      limit: tableEntryBudget(1),
    });
  });
});
