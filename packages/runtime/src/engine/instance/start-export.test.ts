import { afterEach, describe, expect, it, vi } from "vitest";
import { guest, watComponent } from "../../testing/wat-component.js";
import { compileExtension } from "../load/compile-extension.js";
import { createInstance } from "./create-instance.js";
import type { GuestRunOptions } from "./instance-lifecycle.js";

// Answers "1" when its four globals hold their initial values, "0" otherwise, after which it changes them all.
// Its input's first character picks more: 1 grows memory past the cap (which fails, and leaves MemoryGrowFailed
// in the trap cell), 2 traps, 3 recurses to exactly the depth limit, 4 one frame past it (1,000 frames: the
// recursion's 998, `run`, and the one the input's cabi_realloc leaves on the depth counter).
const GLOBALS = guest(
  `(i32.store8 (i32.const 3000) (i32.add (i32.const 48)
     (i32.and
       (i32.and (i32.eq (global.get $a) (i32.const 11)) (i64.eq (global.get $b) (i64.const 22)))
       (i32.and (f32.eq (global.get $c) (f32.const 3.5)) (f64.eq (global.get $d) (f64.const 4.25))))))
   (global.set $a (i32.const 1)) (global.set $b (i64.const 2))
   (global.set $c (f32.const 0)) (global.set $d (f64.const 0))
   (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 49)) (then (drop (memory.grow (i32.const 1000)))))
   (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 50)) (then unreachable))
   (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 51)) (then (call $deep (i32.const 997))))
   (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 52)) (then (call $deep (i32.const 998))))
   (call $ok (i32.const 3000) (i32.const 1))`,
  `(global $a (mut i32) (i32.const 11))
   (global $b (mut i64) (i64.const 22))
   (global $c (mut f32) (f32.const 3.5))
   (global $d (mut f64) (f64.const 4.25))
   (func $deep (param $n i32)
     (if (local.get $n) (then (call $deep (i32.sub (local.get $n) (i32.const 1))))))`,
);

const options = (input: string): GuestRunOptions => ({
  input: new TextEncoder().encode(input),
  fuel: 1_000_000,
  outputLimitBytes: 1024,
  logBytes: 1024,
  logLines: 10,
  hostCall: undefined,
});

async function instance() {
  const compiled = await compileExtension(await watComponent(GLOBALS), {
    memoryMb: 1,
    maxModuleBytes: 1 << 20,
    maxCallDepth: 1000,
  });
  if (compiled.kind !== "core") throw new Error("expected a core guest");
  return { compiled, instance: createInstance(compiled) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a core guest's run starts through the start export", () => {
  it("the compiled guest has the start export", async () => {
    const { compiled } = await instance();
    expect(compiled.startExport).toBe(true);
  });

  it("sets no WebAssembly.Global from JavaScript to start a run, restored or not", async () => {
    const { instance: guestInstance } = await instance();
    guestInstance.warm();
    const set = vi.spyOn(WebAssembly.Global.prototype, "value", "set");
    expect(guestInstance.run(options("0")).output).toBe("1");
    expect(guestInstance.run(options("0")).output).toBe("1");
    guestInstance.clean();
    expect(guestInstance.run(options("0")).output).toBe("1");
    expect(set).not.toHaveBeenCalled();
  });

  it("reads no WebAssembly.Global from JavaScript after a run either (the fuel left comes from an export)", async () => {
    const { instance: guestInstance } = await instance();
    guestInstance.warm();
    const get = vi.spyOn(WebAssembly.Global.prototype, "value", "get");
    const result = guestInstance.run(options("0"));
    expect(result.output).toBe("1");
    expect(result.fuelUsed).toBeGreaterThan(0);
    expect(get).not.toHaveBeenCalled();
  });

  it("starts each run from the snapshot: every global, the depth and the trap cell, whatever the last run left", async () => {
    const { instance: guestInstance } = await instance();
    // Past the limit by one frame: the arithmetic of the next two runs holds.
    expect(guestInstance.run(options("4")).error?.reason).toBe("stack");
    // At the limit, twice in a row without clean(): the first run's depth is not carried into the second.
    expect(guestInstance.run(options("3")).output).toBe("1");
    expect(guestInstance.run(options("3")).output).toBe("1");
    // A failed grow leaves MemoryGrowFailed in the trap cell; the next run's trap is not blamed on memory.
    expect(guestInstance.run(options("1")).output).toBe("1");
    expect(guestInstance.run(options("2")).error?.reason).toBe("trap");
    guestInstance.clean();
    expect(guestInstance.run(options("0")).output).toBe("1");
  });

  it("charges the same fuel each run, restored or made again", async () => {
    const { instance: guestInstance } = await instance();
    guestInstance.warm();
    const first = guestInstance.run(options("0")).fuelUsed;
    expect(guestInstance.run(options("0")).fuelUsed).toBe(first);
    guestInstance.clean();
    expect(guestInstance.run(options("0")).fuelUsed).toBe(first);
  });
});
