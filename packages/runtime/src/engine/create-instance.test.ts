import { describe, expect, it } from "vitest";
import { guest, watComponent } from "../testing/wat-component.js";
import { compileExtension } from "./compile-extension.js";
import { createInstance } from "./create-instance.js";
import type { GuestRunOptions } from "./guest-instance.js";

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
