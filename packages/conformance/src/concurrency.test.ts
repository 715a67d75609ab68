import type { InvocationResult } from "@ameide-ext/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { createHarness } from "./create-harness.js";
import { expectTechnicalError } from "./expect-outcome.js";

const h = createHarness({ pool: { size: 2 } });
afterAll(() => h.close());

describe("concurrency in the worker pool", () => {
  it("serves 50 good invocations beside an endless loop and a memory bomb", async () => {
    const [loop, bomb, checksum] = await Promise.all([
      h.load("infinite-loop"),
      h.load("memory-bomb"),
      h.load("checksum"),
    ]);
    const expected = h.engine.invokeInline(checksum, { input: '"warm"' });
    await h.expectHealthy("pool");
    const replaced = h.engine.stats().workersReplaced;

    const hostile = [
      h.engine.invoke(loop, { input: "null", limits: { cpuMillis: 10_000, timeoutMs: 300 } }),
      h.engine.invoke(bomb, { input: "null" }),
    ];
    const good: Array<Promise<InvocationResult>> = [];
    for (let i = 0; i < 50; i++) {
      good.push(h.engine.invoke(checksum, { input: i % 2 === 0 ? '"warm"' : JSON.stringify({ i }) }));
    }
    const [loopResult, bombResult] = await Promise.all(hostile);
    const goodResults = await Promise.all(good);

    expectTechnicalError(loopResult as InvocationResult, "deadline_exceeded", "timeout");
    expectTechnicalError(bombResult as InvocationResult, "resource_exhausted", "memory");
    expect(goodResults.map((r) => r.outcome)).toEqual(Array(50).fill("ok"));
    for (let i = 0; i < 50; i += 2) {
      expect([goodResults[i]?.output, goodResults[i]?.stats.fuelUsed]).toEqual([
        expected.output,
        expected.stats.fuelUsed,
      ]);
    }
    expect(h.engine.stats().workersReplaced).toBe(replaced + 1);
    await h.expectHealthy("pool");
  });
});
