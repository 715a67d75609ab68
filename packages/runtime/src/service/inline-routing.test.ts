import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import {
  createOverrunJudge,
  createRunQueueClock,
  createWindowStart,
  GROSS_OVERRUN_MS,
  INLINE_TOLERANCE_MS,
} from "./inline-routing.js";

describe("createOverrunJudge()", () => {
  const sliceUs = 100;
  const small = sliceUs / 1000 + INLINE_TOLERANCE_MS + 4; // what a GC pause in a trivial run looks like
  const gross = sliceUs / 1000 + INLINE_TOLERANCE_MS + GROSS_OVERRUN_MS + 1;

  it("keeps a version inline after one small overrun among clean runs (a GC pause), issue #10 item 2c", () => {
    const judge = createOverrunJudge(sliceUs);
    expect(judge.judge("a", 0.02)).toBe("within");
    expect(judge.judge("a", small)).toBe("overran");
    for (let i = 0; i < 5; i++) expect(judge.judge("a", 0.02)).toBe("within");
    expect(judge.judge("a", small)).toBe("overran");
  });

  it("routes a version on its second small overrun among its last three runs", () => {
    const judge = createOverrunJudge(sliceUs);
    expect(judge.judge("a", small)).toBe("overran");
    expect(judge.judge("a", 0.02)).toBe("within");
    expect(judge.judge("a", small)).toBe("route");
    expect(judge.judge("b", small)).toBe("overran");
    expect(judge.judge("b", small)).toBe("route");
  });

  it("routes a version at once on a gross overrun", () => {
    const judge = createOverrunJudge(sliceUs);
    expect(judge.judge("a", gross)).toBe("route");
    expect(judge.judge("b", 0.02)).toBe("within");
  });

  it("does not count the time the process spent off the CPU: a run the OS preempted is no overrun", () => {
    const judge = createOverrunJudge(sliceUs);
    // 23 ms of wall, all but 50 µs of it with no thread of the process on a CPU: the OS took the thread away.
    expect(judge.judge("a", gross, gross - 0.05)).toBe("within");
    expect(judge.judge("a", small, small - 0.05)).toBe("within");
    expect(judge.judge("a", small, small - 0.05)).toBe("within");
    // What stays after the time off the CPU is still judged: a gross overrun on the CPU routes.
    expect(judge.judge("b", gross + 5, 5)).toBe("route");
    expect(judge.judge("c", gross, 0)).toBe("route");
  });
});

describe("createRunQueueClock()", () => {
  it.runIf(existsSync("/proc/thread-self/schedstat"))(
    "counts the time this thread waited for a CPU: none asleep, some when more threads than cores are busy",
    async () => {
      const waited = createRunQueueClock();
      let before = waited();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
      expect(waited() - before).toBeLessThan(10);
      // Busy threads, twice as many as the cores, next to a busy loop here: this thread waits its turns.
      const busy = Array.from(
        { length: availableParallelism() * 2 },
        () => new Worker("const t = Date.now(); while (Date.now() - t < 400);", { eval: true }),
      );
      await Promise.all(busy.map((w) => new Promise((resolve) => w.once("online", resolve))));
      before = waited();
      const started = performance.now();
      while (performance.now() - started < 200);
      const delta = waited() - before;
      await Promise.all(busy.map((w) => w.terminate()));
      expect(delta).toBeGreaterThan(5);
      expect(delta).toBeLessThan(performance.now() - started);
    },
  );
});

describe("createWindowStart()", () => {
  it("reads the clock anew only when its last reading is older than its age", async () => {
    let reads = 0;
    const start = createWindowStart(() => ++reads, 20);
    expect([start(), start(), start()]).toEqual([1, 1, 1]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(start()).toBe(2);
    expect(reads).toBe(2);
  });
});
