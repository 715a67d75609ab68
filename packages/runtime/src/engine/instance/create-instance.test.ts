import { describe, expect, it } from "vitest";
import { guest, watComponent } from "../../testing/wat-component.js";
import { compileAndWarm } from "../load/compile-and-warm.js";
import { type CompiledCore, compileExtension } from "../load/compile-extension.js";
import { createInstance } from "./create-instance.js";
import type { GuestRunOptions } from "./instance-lifecycle.js";
import { newInstanceFuel } from "./new-instance-fuel.js";

// Counts its calls in memory and answers the count; input `true` traps instead.
const COUNTER = guest(
  `(if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 116)) (then unreachable))
   (i32.store (i32.const 2048) (i32.add (i32.load (i32.const 2048)) (i32.const 49)))
   (call $ok (i32.const 2048) (i32.const 1))`,
);

const options = (input: string): GuestRunOptions => ({
  input: new TextEncoder().encode(input),
  fuel: 1_000_000,
  outputLimitBytes: 1024,
  logBytes: 1024,
  logLines: 10,
  hostCall: undefined,
});

async function counter() {
  const compiled = await compileExtension(await watComponent(COUNTER), {
    memoryMb: 1,
    maxModuleBytes: 1 << 20,
    maxCallDepth: 1000,
  });
  return createInstance(compiled);
}

describe("GuestInstance.clean()", () => {
  it("restores the snapshot after a run, so the next run starts from it", async () => {
    const instance = await counter();
    expect(instance.run(options("0")).output).toBe("1");
    instance.clean();
    expect(instance.run(options("0")).output).toBe("1");
    // Twice in a row, and with no clean() between runs, the result is the same.
    instance.clean();
    instance.clean();
    expect(instance.run(options("0")).output).toBe("1");
    expect(instance.run(options("0")).output).toBe("1");
  });

  it("leaves a new instance after a trap to warm() or the next run (the pool bounds making one on its own)", async () => {
    const instance = await counter();
    instance.warm();
    expect(instance.instantiations).toBe(1);
    expect(instance.run(options("true")).outcome).toBe("technical_error");
    instance.clean();
    expect([instance.instantiations, instance.ready]).toEqual([1, false]);
    expect(instance.run(options("0")).output).toBe("1");
    expect(instance.instantiations).toBe(2);
  });
});

// Its start function burns 30,000 instructions and writes "7" at 2048; input `true` traps.
const STARTED = guest(
  `(if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 116)) (then unreachable))
   (call $ok (i32.const 2048) (i32.const 1))`,
  `(func $init (local $i i32)
     (local.set $i (i32.const 10000))
     (loop $l (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
     (i32.store8 (i32.const 2048) (i32.const 55)))
   (start $init)`,
);

// The same, and its run writes a table (so each run gets a new instance, which only its start can rebuild).
const STARTED_TABLE = guest(
  `(table.set $t (i32.const 0) (ref.null func))
   (call $ok (i32.const 2048) (i32.const 1))`,
  `(table $t 1 funcref)
   (func $init (local $i i32)
     (local.set $i (i32.const 10000))
     (loop $l (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
     (i32.store8 (i32.const 2048) (i32.const 55)))
   (start $init)`,
);

function compiledOf(wat: string) {
  return watComponent(wat).then((bytes) =>
    compileExtension(bytes, { memoryMb: 1, maxModuleBytes: 1 << 20, maxCallDepth: 1000 }),
  );
}

async function instanceOf(wat: string) {
  return createInstance(await compiledOf(wat));
}

describe("a new instance after a trap", () => {
  it("is made from the snapshot: the start function runs once, whatever the traps", async () => {
    const compiled = await compiledOf(STARTED);
    const instance = createInstance(compiled);
    const fuel: number[] = [];
    for (let i = 0; i < 3; i++) {
      expect(instance.run(options("true")).outcome).toBe("technical_error");
      instance.warm();
      const r = instance.run(options("0"));
      expect([r.outcome, r.output]).toEqual(["ok", "7"]);
      fuel.push(r.fuelUsed);
    }
    expect([instance.instantiations, instance.startRuns]).toEqual([4, 1]);
    // The run's own instructions and its new instance (newInstanceFuel), not the start again: the same every time.
    expect(fuel[0]).toBeGreaterThan(newInstanceFuel([compiled as CompiledCore]));
    expect(fuel[0]).toBeLessThan(newInstanceFuel([compiled as CompiledCore]) + 100);
    expect(new Set(fuel).size).toBe(1);
  });

  it("of a module whose start may have written its tables runs the start again, and charges it to the run", async () => {
    const instance = await instanceOf(STARTED_TABLE);
    const runs = [instance.run(options("0")), instance.run(options("0"))];
    expect(runs.map((r) => [r.outcome, r.output])).toEqual([
      ["ok", "7"],
      ["ok", "7"],
    ]);
    expect(instance.startRuns).toBe(2);
    for (const r of runs) expect(r.fuelUsed).toBeGreaterThan(30_000);
    expect(runs[0]?.fuelUsed).toBe(runs[1]?.fuelUsed);
  });
});

describe("another instance of a loaded guest", () => {
  it("is made from the load's snapshot: a pool worker's, or one made again after a cache evicted it, runs no start", async () => {
    // What a load does (compileAndWarm): its first instance runs the start function, once.
    const { compiled, instance: first } = await compileAndWarm(await watComponent(STARTED), {
      memoryMb: 1,
      maxModuleBytes: 1 << 20,
      maxCallDepth: 1000,
    });
    expect(first.startRuns).toBe(1);
    // A pool worker makes its own instance (and makes it again after its cache evicted it), as the
    // engine's thread does after its cache evicted the load's: with a start that burned 310 million fuel
    // and one load more than a worker's cache holds, each invocation at cpu_millis 1 (202 fuel) made the
    // worker run that start again, uncharged (50-290 ms each).
    const other = createInstance(compiled);
    expect([other.startsWithoutGuestCode, other.run(options("0")).output]).toEqual([true, "7"]);
    expect([other.instantiations, other.startRuns]).toEqual([1, 0]);
    expect(other.run(options("0")).fuelUsed).toBe(first.run(options("0")).fuelUsed);
  });
});
