import { describe, expect, it } from "vitest";
import { watModule } from "../testing/wat-component.js";
import {
  DEPTH_EXPORT,
  FUEL_EXPORT,
  FUEL_LEFT_EXPORT,
  type InstrumentOptions,
  instrumentModule,
  MAX_START_GLOBALS,
  START_EXPORT,
  TRAP_EXPORT,
} from "./instrument-module.js";

const OPTIONS: InstrumentOptions = { maxMemoryPages: 16, maxCallDepth: 1_000 };

/** Instruments `wat` and instantiates it with no imports. */
async function instrumented(wat: string, options: Partial<InstrumentOptions> = {}) {
  const out = instrumentModule(await watModule(wat), { ...OPTIONS, ...options });
  const module = new WebAssembly.Module(out.bytes);
  const exports = new WebAssembly.Instance(module, {}).exports as Record<string, unknown>;
  return { out, module, exports, global: (name: string) => exports[name] as WebAssembly.Global };
}

const GLOBALS = `(module
  (global $a (mut i32) (i32.const 1))
  (global $k i32 (i32.const 9))
  (global $b (mut i64) (i64.const 2))
  (global $c (mut f32) (f32.const 3.5))
  (global $d (mut f64) (f64.const 4.25))
  (func (export "f") (param i32) (result i32) (local.get 0)))`;

/** The bytes of `wat` with the first occurrence of `find` changed to `replace` (a module that no longer validates). */
async function patched(wat: string, find: number[], replace: number[]): Promise<Uint8Array> {
  const bytes = new Uint8Array(await watModule(wat));
  for (let i = 0; i + find.length <= bytes.length; i++) {
    if (find.every((b, k) => bytes[i + k] === b)) {
      bytes.set(replace, i);
      return bytes;
    }
  }
  throw new Error("pattern not found");
}

describe("instrumentModule(): the start export", () => {
  it("exports a function taking the fuel and each snapshot global, in snapshotGlobals order", async () => {
    const { out, module } = await instrumented(GLOBALS);
    expect(out.startExport).toBe(true);
    expect(out.snapshotGlobals).toEqual(["__ameide_g0", "__ameide_g2", "__ameide_g3", "__ameide_g4"]);
    expect(WebAssembly.Module.exports(module)).toContainEqual({ name: START_EXPORT, kind: "function" });
    expect(out.exportSigs.has(START_EXPORT)).toBe(false);
  });

  it("sets fuel, zeroes depth and trap, and sets every mutable global in one call", async () => {
    const { out, exports, global } = await instrumented(GLOBALS);
    for (const name of [...out.snapshotGlobals, DEPTH_EXPORT, TRAP_EXPORT]) {
      const g = global(name);
      g.value = typeof g.value === "bigint" ? 77n : 77;
    }
    (exports[START_EXPORT] as (...args: unknown[]) => void)(12345n, 1, 2n, 3.5, 4.25);
    expect(out.snapshotGlobals.map((n) => global(n).value)).toEqual([1, 2n, 3.5, 4.25]);
    expect([global(FUEL_EXPORT).value, global(DEPTH_EXPORT).value, global(TRAP_EXPORT).value]).toEqual([
      12345n,
      0,
      0,
    ]);
  });

  it("exports a function returning the fuel counter, beside the start export", async () => {
    const { exports, module, global } = await instrumented(GLOBALS);
    expect(WebAssembly.Module.exports(module)).toContainEqual({ name: FUEL_LEFT_EXPORT, kind: "function" });
    global(FUEL_EXPORT).value = 4242n;
    expect((exports[FUEL_LEFT_EXPORT] as () => bigint)()).toBe(4242n);
  });

  it("is added to a module with no types, functions, globals or exports of its own", async () => {
    const { out, exports, global } = await instrumented("(module (memory 1))");
    expect(out.startExport).toBe(true);
    (exports[START_EXPORT] as (fuel: bigint) => void)(5n);
    expect(global(FUEL_EXPORT).value).toBe(5n);
  });

  it(`is left out past ${MAX_START_GLOBALS} mutable globals, and for a mutable global of a reference type`, async () => {
    const many = Array.from({ length: MAX_START_GLOBALS + 1 }, () => "(global (mut i32) (i32.const 0))").join(
      " ",
    );
    for (const wat of [`(module ${many})`, "(module (global (mut funcref) (ref.null func)))"]) {
      const { out, module } = await instrumented(wat);
      expect(out.startExport).toBe(false);
      expect(WebAssembly.Module.exports(module).map((e) => e.name)).not.toContain(START_EXPORT);
    }
    const { out } = await instrumented(
      `(module ${Array.from({ length: MAX_START_GLOBALS }, () => "(global (mut i64) (i64.const 0))").join(" ")})`,
    );
    expect(out.startExport).toBe(true);
  });

  it("is left out with shared counters (a linked component's modules keep the engine's setters)", async () => {
    const out = instrumentModule(await watModule(GLOBALS), { ...OPTIONS, counters: "imported" });
    expect(out.startExport).toBe(false);
  });

  it.each([START_EXPORT, FUEL_LEFT_EXPORT])(
    "refuses a module that exports %s with invalid_argument/invalid_module",
    async (name) => {
      const wat = `(module (func (export "${name}")))`;
      await expect(watModule(wat).then((b) => instrumentModule(b, OPTIONS))).rejects.toMatchObject({
        code: "invalid_argument",
        reason: "invalid_module",
      });
    },
  );

  it("refuses a module whose code calls past its own functions (the start function's index), invalid_argument/invalid_module", async () => {
    // f(fuel) calls function 0, itself; patched to call 1: the start function's index once appended.
    const bytes = await patched(
      `(module (func (export "f") (param i64) (call 0 (i64.const 999))))`,
      [0x42, 0xe7, 0x07, 0x10, 0x00],
      [0x42, 0xe7, 0x07, 0x10, 0x01],
    );
    expect(() => instrumentModule(bytes, OPTIONS)).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_module" }),
    );
  });

  it("refuses a module whose code sets a global past its own (the fuel counter's index), invalid_argument/invalid_module", async () => {
    // global.set 0 patched to global.set 1: the fuel counter, appended after the module's one global.
    const bytes = await patched(
      `(module (global (mut i64) (i64.const 0)) (func (export "f") (global.set 0 (i64.const 999))))`,
      [0x42, 0xe7, 0x07, 0x24, 0x00],
      [0x42, 0xe7, 0x07, 0x24, 0x01],
    );
    expect(() => instrumentModule(bytes, OPTIONS)).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_module" }),
    );
    // The process still serves: a valid module instruments after it.
    expect(instrumentModule(await watModule(GLOBALS), OPTIONS).startExport).toBe(true);
  });

  it("refuses a table whose element segment names a function past the module's own (the start function), invalid_argument/invalid_module", async () => {
    // The segment puts function 0 in slot 0; patched to function 1, the start function's index once appended:
    // a call_indirect through the table would have reached it.
    const bytes = await patched(
      `(module (type $t (func)) (table 1 funcref) (elem (i32.const 0) 0)
        (func (export "f") (call_indirect (type $t) (i32.const 0))))`,
      [0x41, 0x00, 0x0b, 0x01, 0x00],
      [0x41, 0x00, 0x0b, 0x01, 0x01],
    );
    expect(() => instrumentModule(bytes, OPTIONS)).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_module" }),
    );
  });

  it("refuses code that reads a global past the module's own (the fuel counter), invalid_argument/invalid_module", async () => {
    const bytes = await patched(
      `(module (global (mut i64) (i64.const 0)) (func (export "f") (result i64) (global.get 0)))`,
      [0x23, 0x00, 0x0b],
      [0x23, 0x01, 0x0b],
    );
    expect(() => instrumentModule(bytes, OPTIONS)).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_module" }),
    );
  });
});
