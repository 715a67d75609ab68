import { afterAll, describe, expect, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";
import { expectTechnicalError } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

describe.each(MODES)("isolation between invocations (%s)", (mode) => {
  it.each([
    ["global-counter", "a mutable global"],
    ["memory-counter", "linear memory"],
    ["table-swap", "a table"],
    // A linked component: the memory is one its module never exports (this kept state before the engine exported it).
    ["hidden-memory", "an unexported memory of a linked module"],
  ])("gives %s.wat (state in %s) a pristine instance every time", async (name) => {
    const ext = await h.load(name);
    const outputs: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) outputs.push((await h.invoke(mode, ext, { input: "null" })).output);
    expect(outputs).toEqual(["1", "1", "1", "1"]);
    await h.expectHealthy(mode);
  });

  it("gives a pristine instance whether the next invocation comes at once or after the engine's idle-time restore", async () => {
    const counter = await h.load("memory-counter");
    const outputs: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) {
      outputs.push((await h.invoke(mode, counter, { input: "null" })).output);
      // Every other call: a turn of the event loop, in which the engine restores the snapshot.
      if (i % 2 === 1) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(outputs).toEqual(["1", "1", "1", "1"]);
  });

  it("gives a pristine instance after a trap and after memory growth", async () => {
    const counter = await h.load("memory-counter");
    const trap = await h.load("unreachable");
    const bomb = await h.load("memory-bomb", { limits: { memoryMb: 1 } });
    expect((await h.invoke(mode, counter, { input: "null" })).output).toBe("1");
    expectTechnicalError(await h.invoke(mode, trap, { input: "null" }), "resource_exhausted", "trap");
    expectTechnicalError(await h.invoke(mode, bomb, { input: "null" }), "resource_exhausted", "memory");
    expect((await h.invoke(mode, counter, { input: "null" })).output).toBe("1");
  });
});
