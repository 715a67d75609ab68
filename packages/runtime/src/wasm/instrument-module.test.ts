import { COST_MODEL } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { watModule } from "../testing/wat-component.js";
import {
  DEPTH_EXPORT,
  FUEL_EXPORT,
  type InstrumentOptions,
  instrumentModule,
  MEMORY_EXPORT_PREFIX,
  type MeterMode,
  TRAP_EXPORT,
  TrapReason,
} from "./instrument-module.js";

const BUDGET = 1_000_000_000n;

interface Metered {
  exports: Record<string, unknown>;
  /** Calls export `name` with a full budget: its result and the fuel it used. */
  call(name: string, ...args: number[]): { value: unknown; fuel: number };
  fuel: WebAssembly.Global;
  depth: WebAssembly.Global;
  trap: WebAssembly.Global;
}

/** Imports the guests below may use: `env.tick` returns its argument times 3. */
const IMPORTS = { env: { tick: (x: number) => x * 3 } };

async function metered(
  wat: string,
  meter: MeterMode,
  options: Partial<InstrumentOptions> = {},
): Promise<Metered> {
  const out = instrumentModule(await watModule(wat), {
    maxMemoryPages: 16,
    maxCallDepth: 1_000,
    meter,
    ...options,
  });
  const exports = new WebAssembly.Instance(new WebAssembly.Module(out.bytes), IMPORTS).exports as Record<
    string,
    unknown
  >;
  const fuel = exports[FUEL_EXPORT] as WebAssembly.Global;
  return {
    exports,
    fuel,
    depth: exports[DEPTH_EXPORT] as WebAssembly.Global,
    trap: exports[TRAP_EXPORT] as WebAssembly.Global,
    call(name, ...args) {
      fuel.value = BUDGET;
      const value = (exports[name] as (...a: number[]) => unknown)(...args);
      return { value, fuel: Number(BUDGET - (fuel.value as bigint)) };
    },
  };
}

/** The uninstrumented module's answer, for comparison. */
async function original(wat: string, name: string, ...args: number[]): Promise<unknown> {
  // Copied into a plain ArrayBuffer: WebAssembly.Module's type does not take a shared one.
  const bytes = new Uint8Array(await watModule(wat));
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), IMPORTS).exports;
  return (exports[name] as (...a: number[]) => unknown)(...args);
}

/** Guests with every kind of control flow; each exports `f(n) -> i32`. */
const GUESTS: Record<string, string> = {
  "a loop with if/else": `(module
    (func (export "f") (param $n i32) (result i32)
      (local $i i32) (local $acc i32)
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 3)))
            (then (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (i32.const 2)))))
            (else (local.set $acc (i32.sub (local.get $acc) (local.get $i)))))
          (if (i32.eq (local.get $i) (i32.const 7))
            (then (local.set $acc (i32.xor (local.get $acc) (i32.const 255)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (local.get $acc)))`,
  "br_table in a loop, with fall-through cases": `(module
    (func (export "f") (param $n i32) (result i32)
      (local $i i32) (local $acc i32)
      (loop $l
        (block $d
          (block $c
            (block $b
              (block $a
                (br_table $a $b $c $d (i32.rem_u (local.get $i) (i32.const 5))))
              (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
              (br $d))
            (local.set $acc (i32.add (local.get $acc) (i32.const 10))))
          (local.set $acc (i32.mul (local.get $acc) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $acc)))`,
  "nested blocks, branches out of several levels and block results": `(module
    (func (export "f") (param $n i32) (result i32)
      (local $i i32) (local $acc i32)
      (block $exit
        (loop $outer
          (local.set $acc
            (i32.add (local.get $acc)
              (block $found (result i32)
                (block $skip
                  (block $inner
                    (br_if $skip (i32.eq (i32.and (local.get $i) (i32.const 7)) (i32.const 3)))
                    (br_if $inner (i32.eq (i32.and (local.get $i) (i32.const 7)) (i32.const 5)))
                    (drop (br_if $found (i32.const 100) (i32.gt_u (local.get $i) (i32.const 40))))
                    (br $found (local.get $i)))
                  (br $found (i32.const 7)))
                (i32.const 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
          (br $outer)))
      (local.get $acc)))`,
  "recursion (fib)": `(module
    (func $fib (export "f") (param $n i32) (result i32)
      (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
        (then (local.get $n))
        (else (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2))))))))`,
  "direct, indirect and imported calls, and a return from inside a loop": `(module
    (import "env" "tick" (func $tick (param i32) (result i32)))
    (type $bin (func (param i32 i32) (result i32)))
    (table 2 funcref)
    (elem (i32.const 0) $add $mul)
    (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func $mul (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1)))
    (func (export "f") (param $n i32) (result i32)
      (local $i i32) (local $acc i32)
      (local.set $acc (i32.const 1))
      (loop $l
        (local.set $acc
          (call_indirect (type $bin)
            (local.get $acc) (i32.add (local.get $i) (i32.const 1)) (i32.and (local.get $i) (i32.const 1))))
        (local.set $acc (call $add (local.get $acc) (call $tick (local.get $i))))
        (if (i32.gt_u (local.get $acc) (i32.const 1000000)) (then (return (local.get $acc))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $acc)))`,
  "memory, select, memory.grow and bulk memory": `(module
    (memory 1)
    (func (export "f") (param $n i32) (result i32)
      (local $i i32) (local $s i32)
      (drop (memory.grow (i32.const 1)))
      (memory.fill (i32.const 0) (i32.const 7) (i32.const 1024))
      (loop $l
        (i32.store (i32.shl (i32.and (local.get $i) (i32.const 255)) (i32.const 2)) (local.get $i))
        (local.set $s
          (select
            (i32.add (local.get $s) (local.get $i))
            (i32.sub (local.get $s) (i32.const 1))
            (i32.and (local.get $i) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
      (i32.add (local.get $s) (i32.load (i32.const 40)))))`,
  "tail calls": `(module
    (func $count (export "f") (param $n i32) (result i32)
      (if (i32.eqz (local.get $n)) (then (return (i32.const 42))))
      (return_call $count (i32.sub (local.get $n) (i32.const 1)))))`,
  "every weighted class: calls, call_indirect, div, sqrt, grows, table and memory bulk ops": `(module
    (type $t (func (param i32) (result i32)))
    (memory 1)
    (table $tab 4 funcref)
    (elem (table $tab) (i32.const 0) func $half $half)
    (func $half (param $x i32) (result i32) (i32.div_u (local.get $x) (i32.const 2)))
    (func (export "f") (param $n i32) (result i32)
      (local $acc i32)
      (local.set $acc (call $half (local.get $n)))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $t) (local.get $n) (i32.const 1))))
      (local.set $acc (i32.add (local.get $acc) (i32.trunc_f64_u (f64.sqrt (f64.convert_i32_u (local.get $n))))))
      (local.set $acc (i32.add (local.get $acc) (i32.rem_s (local.get $n) (i32.const 7))))
      (drop (memory.grow (i32.and (local.get $n) (i32.const 1))))
      (drop (table.grow $tab (ref.null func) (local.get $n)))
      (table.fill $tab (i32.const 0) (table.get $tab (i32.const 1)) (i32.const 2))
      (table.copy (i32.const 2) (i32.const 0) (i32.const 2))
      (memory.fill (i32.const 0) (local.get $n) (local.get $n))
      (memory.copy (i32.const 100) (i32.const 0) (local.get $n))
      (drop (table.size $tab))
      (local.get $acc)))`,
};

const ARGS = [0, 1, 2, 5, 17, 24];

describe("instrumentModule()", () => {
  describe.each(Object.entries(GUESTS))("on %s", (_, wat) => {
    it("charges the same fuel per basic block as per instruction (meter exact)", async () => {
      const block = await metered(wat, "block");
      const exact = await metered(wat, "exact");
      for (const n of ARGS) {
        const b = block.call("f", n);
        const e = exact.call("f", n);
        expect({ n, value: b.value, fuel: b.fuel }).toEqual({ n, value: e.value, fuel: e.fuel });
      }
    });

    it("leaves results unchanged, metered or not, and meter none charges nothing", async () => {
      const none = await metered(wat, "none");
      const block = await metered(wat, "block");
      for (const n of ARGS) {
        const want = await original(wat, "f", n);
        expect([none.call("f", n), block.call("f", n).value]).toEqual([{ value: want, fuel: 0 }, want]);
      }
    });
  });

  it("charges one unit per instruction executed", async () => {
    // local.get, i32.const, i32.add: `end` is free.
    const m = await metered(
      `(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))`,
      "block",
    );
    expect(m.call("f", 1)).toEqual({ value: 2, fuel: 3 });
  });

  it("traps at a loop head once fuel runs out, and sets the trap reason to Fuel", async () => {
    const m = await metered(`(module (func (export "spin") (loop $l (br $l))))`, "block");
    m.fuel.value = 1_000n;
    expect(() => (m.exports.spin as () => void)()).toThrow(WebAssembly.RuntimeError);
    expect(m.trap.value).toBe(TrapReason.Fuel);
    expect(m.fuel.value as bigint).toBeLessThan(0n);
  });

  it("charges a bulk instruction its length, before it runs", async () => {
    const m = await metered(
      `(module (memory (export "memory") 1)
        (func (export "f") (param i32) (result i32)
          (memory.fill (i32.const 0) (i32.const 7) (local.get 0)) (i32.const 0)))`,
      "block",
    );
    const base = m.call("f", 0).fuel;
    expect(m.call("f", 1000).fuel).toBe(base + 1000 * COST_MODEL.memoryPerByte);
    expect(m.call("f", 65536).fuel).toBe(base + 65536 * COST_MODEL.memoryPerByte);
    // A budget too small for the length: the fill traps with Fuel and writes nothing.
    const memory = m.exports.memory as WebAssembly.Memory;
    new Uint8Array(memory.buffer).fill(0);
    m.fuel.value = 500n;
    expect(() => (m.exports.f as (n: number) => number)(1000)).toThrow(WebAssembly.RuntimeError);
    expect(m.trap.value).toBe(TrapReason.Fuel);
    expect(new Uint8Array(memory.buffer)[0]).toBe(0);
  });

  describe("cost model", () => {
    const W = COST_MODEL;
    // Each case: a body run with $n, and the fuel it must use; `end` is free.
    const CASES: Array<[string, string, (n: number) => number]> = [
      ["call", "(drop (call $id (local.get $n)))", () => 1 + W.call + 1 + 1],
      ["a call of a host import", "(drop (call $host (local.get $n)))", () => 1 + W.hostCall + 1],
      [
        "call_indirect",
        "(drop (call_indirect (type $t) (local.get $n) (i32.const 0)))",
        () => 2 + W.callIndirect + 1 + 1,
      ],
      ["integer div and rem", "(drop (i64.rem_u (i64.const 9) (i64.const 4)))", () => 2 + W.intDivRem + 1],
      ["float sqrt", "(drop (f64.sqrt (f64.const 2)))", () => 1 + W.floatDivSqrt + 1],
      ["float div", "(drop (f32.div (f32.const 1) (f32.const 3)))", () => 2 + W.floatDivSqrt + 1],
      // SIMD: each 128-bit instruction pays `simd` (v128.const too); its div and sqrt pay floatDivSqrt.
      ["a SIMD instruction", "(drop (i8x16.popcnt (v128.const i64x2 3 5)))", () => 2 * W.simd + 1],
      ["SIMD sqrt", "(drop (f64x2.sqrt (v128.const f64x2 2 3)))", () => W.simd + W.floatDivSqrt + 1],
      [
        "SIMD div",
        "(drop (f32x4.div (v128.const f32x4 1 2 3 4) (v128.const f32x4 3 3 3 3)))",
        () => 2 * W.simd + W.floatDivSqrt + 1,
      ],
      [
        "table.grow, fixed and per element",
        "(drop (table.grow $tab (ref.null func) (local.get $n)))",
        (n) => 2 + W.tableGrow + n * W.tableGrowPerElement + 1,
      ],
      [
        "table.fill per element",
        "(table.fill $tab (i32.const 0) (ref.func $id) (local.get $n))",
        (n) => 3 + W.bulkOp + n * W.tablePerElement,
      ],
      [
        "table.copy per element",
        "(table.copy (i32.const 4) (i32.const 0) (local.get $n))",
        (n) => 3 + W.bulkOp + n * W.tablePerElement,
      ],
      [
        "table.init per element",
        "(table.init $tab $seg (i32.const 0) (i32.const 0) (local.get $n))",
        (n) => 3 + W.bulkOp + n * W.tablePerElement,
      ],
      ["table.get", "(drop (table.get $tab (i32.const 0)))", () => 1 + W.tableAccess + 1],
      [
        "memory.copy per byte",
        "(memory.copy (i32.const 0) (i32.const 64) (local.get $n))",
        (n) => 3 + W.bulkOp + n * W.memoryPerByte,
      ],
    ];
    const guest = (body: string) => `(module
      (type $t (func (param i32) (result i32)))
      (import "env" "tick" (func $host (param i32) (result i32)))
      (memory 1)
      (table $tab 16 funcref)
      (elem (table $tab) (i32.const 0) func $id)
      (elem $seg func $id $id $id $id $id $id $id $id)
      (func $id (param $x i32) (result i32) (local.get $x))
      (func (export "f") (param $n i32) ${body}))`;

    it.each(CASES)("charges %s its weight", async (_, body, want) => {
      const block = await metered(guest(body), "block");
      const exact = await metered(guest(body), "exact");
      for (const n of [0, 1, 3, 8]) {
        expect({ n, block: block.call("f", n).fuel, exact: exact.call("f", n).fuel }).toEqual({
          n,
          block: want(n),
          exact: want(n),
        });
      }
    });

    it("meter uniform charges the old way, for benchmarks' baselines: 1 per instruction, bulk ops 1 per unit", async () => {
      const body = `(drop (call $id (local.get $n)))
        (drop (memory.grow (local.get $n)))
        (table.fill $tab (i32.const 0) (ref.func $id) (local.get $n))
        (memory.fill (i32.const 0) (i32.const 1) (local.get $n))`;
      const m = await metered(guest(body), "uniform");
      // local.get, call, drop; $id's local.get; local.get, memory.grow, drop; 3 + table.fill; 3 + memory.fill.
      for (const n of [0, 2, 5]) expect(m.call("f", n).fuel).toBe(15 + 2 * n);
    });

    it("charges memory.grow a fixed weight, its pages requested, and the pages the memory has", async () => {
      const wat = `(module (memory (export "memory") 2)
        (func (export "f") (param i32) (result i32) (memory.grow (local.get 0))))`;
      for (const n of [0, 1, 3]) {
        const m = await metered(wat, "block"); // a fresh memory of 2 pages each time
        const want = 1 + W.memoryGrow + n * W.memoryGrowPerPage + 2 * W.memoryGrowPerMemoryPage;
        expect({ n, fuel: m.call("f", n).fuel }).toEqual({ n, fuel: want });
        // Grown: the next grow pays for the bigger memory.
        const bigger = 1 + W.memoryGrow + (2 + n) * W.memoryGrowPerMemoryPage;
        expect({ n, fuel: m.call("f", 0).fuel }).toEqual({ n, fuel: bigger });
      }
    });

    // A grow that cannot succeed does no per-page work: charging its pages would end a guest that
    // probes the cap (an allocator asking for a big block) with fuel instead of its -1.
    it("charges a memory.grow past maxMemoryPages only its fixed weights: it does no work and returns -1", async () => {
      const wat = `(module (memory (export "memory") 2)
        (func (export "f") (param i32) (result i32) (memory.grow (local.get 0))))`;
      const m = await metered(wat, "block", { maxMemoryPages: 4 });
      const fixed = 1 + W.memoryGrow + 2 * W.memoryGrowPerMemoryPage;
      expect(m.call("f", 3)).toEqual({ value: -1, fuel: fixed });
      expect(m.call("f", 0x7fffffff)).toEqual({ value: -1, fuel: fixed });
      // Up to the cap, the pages are charged.
      expect(m.call("f", 2)).toEqual({ value: 2, fuel: fixed + 2 * W.memoryGrowPerPage });
    });

    it("charges a table.grow past the module's table budget only its fixed weight", async () => {
      const wat = `(module (table $tab 1 funcref)
        (func (export "f") (param i32) (result i32) (table.grow $tab (ref.null func) (local.get 0))))`;
      const m = await metered(wat, "block", { maxMemoryPages: 16 });
      const fixed = 2 + W.tableGrow;
      expect(m.call("f", 1_000_000)).toEqual({ value: -1, fuel: fixed });
      expect(m.call("f", 3)).toEqual({ value: 1, fuel: fixed + 3 * W.tableGrowPerElement });
    });

    it("charges memory.grow once more when the memory is at 64 MiB or more", async () => {
      const wat = (pages: number) => `(module (memory ${pages})
        (func (export "f") (param i32) (result i32) (memory.grow (local.get 0))))`;
      const small = await metered(wat(1023), "block", { maxMemoryPages: 2048 });
      const large = await metered(wat(1024), "block", { maxMemoryPages: 2048 });
      const base = 1 + W.memoryGrow;
      expect(small.call("f", 0).fuel).toBe(base + 1023 * W.memoryGrowPerMemoryPage);
      expect(large.call("f", 0).fuel).toBe(base + 1024 * W.memoryGrowPerMemoryPage + W.memoryGrowAt64MiB);
    });

    it("charges memory.grow its pages before it runs: a budget too small traps with Fuel and grows nothing", async () => {
      const m = await metered(
        `(module (memory (export "memory") 1)
          (func (export "f") (param i32) (result i32) (memory.grow (local.get 0))))`,
        "block",
      );
      const memory = m.exports.memory as WebAssembly.Memory;
      m.fuel.value = BigInt(W.memoryGrow + 2 * W.memoryGrowPerPage + W.memoryGrowPerMemoryPage);
      expect(() => (m.exports.f as (n: number) => number)(3)).toThrow(WebAssembly.RuntimeError);
      expect(m.trap.value).toBe(TrapReason.Fuel);
      expect(memory.buffer.byteLength).toBe(65536);
    });

    it("is deterministic: the same module instruments to the same bytes and runs on the same fuel", async () => {
      const wat = GUESTS[
        "every weighted class: calls, call_indirect, div, sqrt, grows, table and memory bulk ops"
      ] as string;
      const bytes = await watModule(wat);
      const opts = { maxMemoryPages: 16, maxCallDepth: 1_000 };
      expect(instrumentModule(bytes, opts).bytes).toEqual(instrumentModule(bytes, opts).bytes);
      // Two fresh instances, the same calls in the same order (charges may depend on state, e.g. memory size).
      const [x, y] = await Promise.all([metered(wat, "block"), metered(wat, "block")]);
      const fuels = (m: Metered) => ARGS.map((n) => m.call("f", n).fuel);
      expect(fuels(x)).toEqual(fuels(y));
    });
  });

  describe("memory cap", () => {
    const GROW = (memory: string) =>
      `(module (memory (export "memory") ${memory}) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;

    it.each([
      ["no maximum", "1"],
      ["a maximum above the cap", "1 100"],
    ])("caps a memory with %s at maxMemoryPages, and records the failed grow", async (_, memory) => {
      const m = await metered(GROW(memory), "block", { maxMemoryPages: 4 });
      expect(m.call("grow", 3).value).toBe(1);
      expect(m.trap.value).toBe(TrapReason.None);
      expect(m.call("grow", 1).value).toBe(-1);
      expect(m.trap.value).toBe(TrapReason.MemoryGrowFailed);
      expect((m.exports.memory as WebAssembly.Memory).buffer.byteLength).toBe(4 * 65536);
    });

    it("keeps a module's own maximum when it is below the cap", async () => {
      const m = await metered(GROW("1 2"), "block", { maxMemoryPages: 4 });
      expect(m.call("grow", 2).value).toBe(-1);
      expect(m.call("grow", 1).value).toBe(1);
    });

    it("refuses an initial memory over the cap with resource_exhausted/memory", async () => {
      const bytes = await watModule(GROW("5"));
      expect(() => instrumentModule(bytes, { maxMemoryPages: 4, maxCallDepth: 100 })).toThrowError(
        expect.objectContaining({ code: "resource_exhausted", reason: "memory" }),
      );
    });

    it("refuses a maxMemoryPages outside 1..65536 with invalid_argument/invalid_limits", async () => {
      const bytes = await watModule(GROW("1"));
      for (const maxMemoryPages of [0, 65_537, 1.5]) {
        expect(() => instrumentModule(bytes, { maxMemoryPages, maxCallDepth: 100 })).toThrowError(
          expect.objectContaining({ code: "invalid_argument", reason: "invalid_limits" }),
        );
      }
    });
  });

  describe("call depth", () => {
    const DOWN = `(module
      (func $down (export "down") (param $n i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (i32.const 0))
          (else (call $down (i32.sub (local.get $n) (i32.const 1)))))))`;

    it("allows exactly maxCallDepth frames", async () => {
      const m = await metered(DOWN, "block", { maxCallDepth: 100 });
      expect(m.call("down", 99).value).toBe(0); // 100 frames
      expect(m.trap.value).toBe(TrapReason.None);
    });

    it("traps on the frame past maxCallDepth and sets the trap reason to Stack", async () => {
      const m = await metered(DOWN, "block", { maxCallDepth: 100 });
      expect(() => m.call("down", 100)).toThrow(WebAssembly.RuntimeError);
      expect(m.trap.value).toBe(TrapReason.Stack);
      expect(m.depth.value).toBe(101);
    });

    it("does not count tail calls as frames", async () => {
      const m = await metered(GUESTS["tail calls"] as string, "block", { maxCallDepth: 10 });
      expect(m.call("f", 5_000).value).toBe(42);
    });
  });

  describe("imports", () => {
    it.each([
      ["a memory", `(import "env" "memory" (memory 1))`],
      ["a table", `(import "env" "table" (table 1 funcref))`],
      ["a global", `(import "env" "g" (global i32))`],
    ])("refuses %s import with invalid_argument/forbidden_import", async (_, imp) => {
      const bytes = await watModule(`(module ${imp} (func (export "f")))`);
      expect(() => instrumentModule(bytes, { maxMemoryPages: 1, maxCallDepth: 100 })).toThrowError(
        expect.objectContaining({ code: "invalid_argument", reason: "forbidden_import" }),
      );
    });

    it.each([
      ["a global, shared counters", `(import "__ameide" "depth" (global (mut i32)))`, "imported"],
      ["a function, shared counters", `(import "__ameide" "fuel" (func))`, "imported"],
      ["a function, own counters", `(import "__ameide" "fuel" (func))`, "defined"],
    ] as const)("refuses an import from the runtime's counters module: %s", async (_, imp, counters) => {
      const bytes = await watModule(`(module ${imp} (func (export "f")))`);
      expect(() => instrumentModule(bytes, { maxMemoryPages: 1, maxCallDepth: 100, counters })).toThrowError(
        expect.objectContaining({ code: "invalid_argument", reason: "forbidden_import" }),
      );
    });

    it("lists function imports with their signatures", async () => {
      const bytes = await watModule(
        `(module (import "host" "call" (func (param i32 i64) (result f64))) (func (export "f")))`,
      );
      const out = instrumentModule(bytes, { maxMemoryPages: 1, maxCallDepth: 100 });
      expect(out.imports).toEqual([
        { module: "host", field: "call", sig: { params: ["i32", "i64"], results: ["f64"] } },
      ]);
    });
  });

  describe("snapshots", () => {
    it("exports each mutable global for the snapshot, and flags code that writes a table", async () => {
      const bytes = await watModule(`(module
        (global $a (mut i32) (i32.const 0)) (global $k i32 (i32.const 1)) (global $b (mut i64) (i64.const 0))
        (table $t 1 funcref)
        (func $x (table.set $t (i32.const 0) (ref.func $x))) (elem declare func $x))`);
      const out = instrumentModule(bytes, { maxMemoryPages: 1, maxCallDepth: 100 });
      expect(out.snapshotGlobals).toEqual(["__ameide_g0", "__ameide_g2"]);
      expect(out.mutatesTables).toBe(true);
    });

    it("refuses a module that exports a reserved name with invalid_argument/invalid_module", async () => {
      const bytes = await watModule(`(module (global (export "${FUEL_EXPORT}") (mut i64) (i64.const 0)))`);
      expect(() => instrumentModule(bytes, { maxMemoryPages: 1, maxCallDepth: 100 })).toThrowError(
        expect.objectContaining({ code: "invalid_argument", reason: "invalid_module" }),
      );
    });
  });

  describe("malformed input", () => {
    it.each([
      ["empty bytes", () => new Uint8Array(0)],
      ["garbage", () => new TextEncoder().encode("definitely not wasm")],
      ["a component", () => Uint8Array.of(0, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00)],
      ["a section longer than the module", () => Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0x7f)],
      [
        "an unknown opcode",
        () =>
          Uint8Array.of(
            0,
            0x61,
            0x73,
            0x6d,
            1,
            0,
            0,
            0,
            1,
            4,
            1,
            0x60,
            0,
            0,
            3,
            2,
            1,
            0,
            10,
            5,
            1,
            3,
            0,
            0xff,
            0x0b,
          ),
      ],
      [
        "a body without its end",
        () =>
          Uint8Array.of(
            0,
            0x61,
            0x73,
            0x6d,
            1,
            0,
            0,
            0,
            1,
            4,
            1,
            0x60,
            0,
            0,
            3,
            2,
            1,
            0,
            10,
            4,
            1,
            2,
            0,
            0x01,
          ),
      ],
      [
        "a function section without code",
        () => Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0),
      ],
    ])("refuses %s with invalid_argument/invalid_module", (_, bytes) => {
      expect(() => instrumentModule(bytes(), { maxMemoryPages: 1, maxCallDepth: 100 })).toThrowError(
        expect.objectContaining({ code: "invalid_argument", reason: "invalid_module" }),
      );
    });

    it("refuses a module cut anywhere with invalid_argument/invalid_module, unless the cut falls between sections", async () => {
      const bytes = await watModule(
        GUESTS["direct, indirect and imported calls, and a return from inside a loop"] as string,
      );
      let refused = 0;
      for (let end = 0; end < bytes.length; end++) {
        const cut = bytes.slice(0, end);
        try {
          const out = instrumentModule(cut, { maxMemoryPages: 1, maxCallDepth: 100 });
          // Between two sections the prefix is itself a module: its output must then be valid.
          expect({ end, valid: WebAssembly.validate(out.bytes) }).toEqual({ end, valid: true });
        } catch (cause) {
          const { code, reason } = cause as { code: unknown; reason: unknown };
          expect({ end, code, reason }).toEqual({ end, code: "invalid_argument", reason: "invalid_module" });
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(bytes.length * 0.9);
    });
  });
});

describe("instrumentModule() with shared counters", () => {
  // A library module: memory, a mutable global, a loop, and an element segment.
  const LIB = `(module
    (memory (export "memory") 1)
    (global $calls (export "calls") (mut i32) (i32.const 0))
    (table (export "table") 2 funcref)
    (elem (i32.const 0) $work $work)
    (func $work (export "work") (param $n i32) (result i32) (local $acc i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      (block $done (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
      (local.get $acc)))`;
  // An app module linked to it: imported function, memory, table and global; its own globals,
  // a data segment placed by an imported global, and an exported global.
  const APP = `(module
    (import "lib" "work" (func $work (param i32) (result i32)))
    (import "lib" "memory" (memory 1))
    (import "lib" "table" (table 2 funcref))
    (import "env" "base" (global $base i32))
    (global $seen (mut i32) (i32.const 7))
    (global $twice (export "twice") i32 (i32.const 14))
    (data (global.get $base) "hi")
    (type $w (func (param i32) (result i32)))
    (func (export "run") (param $n i32) (result i32)
      (global.set $seen (i32.add (global.get $seen) (call $work (local.get $n))))
      (drop (call_indirect (type $w) (i32.const 1) (i32.const 1)))
      (i32.add (global.get $seen) (i32.load8_u (global.get $base))))
    (func (export "seen") (result i32) (global.get $seen)))`;

  const counters = () => ({
    fuel: new WebAssembly.Global({ value: "i64", mutable: true }, BUDGET),
    depth: new WebAssembly.Global({ value: "i32", mutable: true }, 0),
    trap: new WebAssembly.Global({ value: "i32", mutable: true }, 0),
  });

  async function link(meter: MeterMode) {
    const opts: InstrumentOptions = { maxMemoryPages: 16, maxCallDepth: 1_000, meter, counters: "imported" };
    const lib = instrumentModule(await watModule(LIB), opts);
    const app = instrumentModule(await watModule(APP), opts);
    const c = counters();
    const libInst = new WebAssembly.Instance(new WebAssembly.Module(lib.bytes), { __ameide: c });
    const le = libInst.exports as Record<string, WebAssembly.ExportValue>;
    const appInst = new WebAssembly.Instance(new WebAssembly.Module(app.bytes), {
      __ameide: c,
      lib: { work: le.work, memory: le.memory, table: le.table },
      env: { base: new WebAssembly.Global({ value: "i32", mutable: false }, 100) },
    } as WebAssembly.Imports);
    return { c, lib, app, le, ae: appInst.exports as Record<string, WebAssembly.ExportValue> };
  }

  it("imports the three counters from the counters module and exports none", async () => {
    const { app } = await link("block");
    const mod = new WebAssembly.Module(app.bytes);
    expect(WebAssembly.Module.imports(mod).filter((i) => i.module === "__ameide")).toEqual([
      { module: "__ameide", name: "fuel", kind: "global" },
      { module: "__ameide", name: "depth", kind: "global" },
      { module: "__ameide", name: "trap", kind: "global" },
    ]);
    expect(WebAssembly.Module.exports(mod).map((e) => e.name)).not.toContain(FUEL_EXPORT);
  });

  it("keeps every global, data and element reference pointing where it did (indices shift by three)", async () => {
    const { ae, le, app } = await link("block");
    const run = ae.run as (n: number) => number;
    // 7 + (10+9+...+1) + 'h' (104)
    expect(run(10)).toBe(7 + 55 + 104);
    expect((ae.twice as WebAssembly.Global).value).toBe(14);
    expect((ae.seen as () => number)()).toBe(62);
    expect((le.calls as WebAssembly.Global).value).toBe(2);
    // The snapshot exports name the mutable global at its new index, and hold its value.
    expect(app.snapshotGlobals).toHaveLength(1);
    expect((ae[app.snapshotGlobals[0] as string] as WebAssembly.Global).value).toBe(62);
  });

  it("exports every memory a module defines, exported already or not, and none it imports", async () => {
    const { lib, app } = await link("block");
    const memories = (bytes: Uint8Array) =>
      WebAssembly.Module.exports(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>))
        .filter((e) => e.kind === "memory")
        .map((e) => e.name);
    expect(memories(lib.bytes)).toEqual(["memory", `${MEMORY_EXPORT_PREFIX}0`]);
    expect(memories(app.bytes)).toEqual([]);
    const hidden = instrumentModule(await watModule("(module (memory 1))"), {
      maxMemoryPages: 16,
      maxCallDepth: 1_000,
      counters: "imported",
    });
    expect(memories(hidden.bytes)).toEqual([`${MEMORY_EXPORT_PREFIX}0`]);
  });

  it("charges one budget across modules, the same as the exact count", async () => {
    const block = await link("block");
    const exact = await link("exact");
    (block.ae.run as (n: number) => number)(1000);
    (exact.ae.run as (n: number) => number)(1000);
    const used = (l: { c: ReturnType<typeof counters> }) => Number(BUDGET - (l.c.fuel.value as bigint));
    expect(used(block)).toBeGreaterThan(1000 * 5);
    expect(used(block)).toBe(used(exact));
  });

  it("stops a loop in one module on the budget the other module started with", async () => {
    const { c, ae } = await link("block");
    c.fuel.value = 500n;
    expect(() => (ae.run as (n: number) => number)(1_000_000)).toThrow(WebAssembly.RuntimeError);
    expect(c.trap.value).toBe(TrapReason.Fuel);
  });

  it("still refuses imported memories, tables and globals with defined counters", async () => {
    expect(() =>
      instrumentModule(
        new Uint8Array(0),
        { maxMemoryPages: 16, maxCallDepth: 1_000 }, // sanity: empty bytes are malformed, not forbidden
      ),
    ).toThrowError(expect.objectContaining({ reason: "invalid_module" }));
    const bytes = await watModule(APP);
    expect(() => instrumentModule(bytes, { maxMemoryPages: 16, maxCallDepth: 1_000 })).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "forbidden_import" }),
    );
  });
});
