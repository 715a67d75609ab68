import { FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine, type LoadedExtension } from "../index.js";
import { guest, watComponent } from "../testing/wat-component.js";
import type { InlineBatchAttempt } from "./types.js";

/** Counts its runs in a global and answers the count: "1" every time when each run starts fresh. Input `true` traps. */
const COUNTER = guest(
  `(if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 116)) (then unreachable))
  (global.set $n (i32.add (global.get $n) (i32.const 1)))
  (i32.store8 (i32.const 1024) (i32.add (i32.const 48) (global.get $n)))
  (call $ok (i32.const 1024) (i32.const 1))`,
  "(global $n (mut i32) (i32.const 0))",
);

/** Answers `[a,b]`: the bytes at 60,000 (zero in its snapshot) and 2048 (1, its data); then writes 7 and 9 there. */
const HIGH_WRITE = guest(
  `(i32.store (i32.const 1024) (i32.const 0x5d2c005b)) ;; "[", 0, ",", "]"
  (i32.store8 (i32.const 1025) (i32.add (i32.const 48) (i32.load8_u (i32.const 60000))))
  (i32.store8 (i32.const 1027) (i32.add (i32.const 48) (i32.load8_u (i32.const 2048))))
  (i32.store8 (i32.const 1028) (i32.const 93))
  (i32.store8 (i32.const 60000) (i32.const 7))
  (i32.store8 (i32.const 2048) (i32.const 9))
  (call $ok (i32.const 1024) (i32.const 5))`,
  `(data (i32.const 2048) "\\01")`,
);

/** Answers a business error for input `"fail"` (its first byte a quote then f), else echoes. */
const ECHO_OR_FAIL = guest(
  `(if (i32.eq (i32.load8_u offset=1 (local.get $ptr)) (i32.const 102))
     (then (return (call $err (i32.const 2048) (i32.const 33)))))
   (call $ok (local.get $ptr) (local.get $len))`,
  `(data (i32.const 2048) "{\\"code\\":\\"NO\\",\\"message\\":\\"refused\\"}")`,
);

/** Loops 100,000 times per byte of input, then echoes it: the fuel used grows with the input. */
const SPIN = guest(`(local $i i32)
  (local.set $i (i32.mul (local.get $len) (i32.const 100000)))
  (block $done (loop $l
    (br_if $done (i32.eqz (local.get $i)))
    (local.set $i (i32.sub (local.get $i) (i32.const 1)))
    (br $l)))
  (call $ok (local.get $ptr) (local.get $len))`);

const kinds = (attempts: InlineBatchAttempt[]) =>
  attempts.map((a) =>
    "ran" in a
      ? a.ran.outcome === "technical_error"
        ? `error:${a.ran.error?.reason}`
        : `${a.ran.outcome}:${a.ran.output ?? a.ran.businessError?.code}`
      : "skipped" in a
        ? `skipped:${a.skipped}`
        : `refused:${a.refused.code}/${a.refused.reason}`,
  );

describe("Engine.tryInlineBatch()", () => {
  let engine: Engine;
  let counter: LoadedExtension;
  let echo: LoadedExtension;
  let spin: LoadedExtension;
  const big = FUEL_PER_CPU_MILLI * 1000;
  beforeAll(async () => {
    engine = createEngine({ pool: { size: 1 }, sizeLimits: { inputBytes: 64 } });
    counter = await engine.load(await watComponent(COUNTER));
    echo = await engine.load(await watComponent(ECHO_OR_FAIL));
    spin = await engine.load(await watComponent(SPIN), { limits: { cpuMillis: 50, timeoutMs: 5_000 } });
    // Each extension's first instance on this thread comes from its load: warm none by hand.
  });
  afterAll(() => engine.close());

  it("runs every input from `from` on, each from fresh state, with its own result and stats", () => {
    const run = engine.tryInlineBatch(counter, {
      inputs: ["0", "{}", "[]", "{}", "1"],
      from: 1,
      fuelSlice: big,
      sliceMs: 10_000,
    });
    expect(kinds(run.attempts)).toEqual(["ok:1", "ok:1", "ok:1", "ok:1"]);
    expect([run.next, run.stopped]).toEqual([5, "end"]);
    for (const a of run.attempts) {
      if (!("ran" in a)) throw new Error("not run");
      expect(a.ran.stats).toMatchObject({
        fuelLimit: counter.limits.cpuMillis * FUEL_PER_CPU_MILLI,
        outputBytes: 1,
      });
      expect(a.ran.stats.fuelUsed).toBeGreaterThan(0);
      expect(a.ran.stats.peakMemoryBytes).toBe(65536);
      expect(a.wallMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("restores every byte the last input wrote, in its data and above it (zeros in the snapshot), before the next", async () => {
    const high = await engine.load(await watComponent(HIGH_WRITE));
    const run = engine.tryInlineBatch(high, { inputs: ["1", "2", "3"], fuelSlice: big, sliceMs: 10_000 });
    expect(kinds(run.attempts)).toEqual(["ok:[0,1]", "ok:[0,1]", "ok:[0,1]"]);
  });

  it("gives each input its own answer: a business error, an input over the size cap and one that is not JSON fail no other", () => {
    const run = engine.tryInlineBatch(echo, {
      inputs: ['{"a":1}', '"fail"', `"${"x".repeat(100)}"`, "{nope", new TextEncoder().encode("[2]")],
      fuelSlice: big,
      sliceMs: 10_000,
    });
    expect(kinds(run.attempts)).toEqual([
      'ok:{"a":1}',
      "business_error:NO",
      "refused:invalid_argument/input_size",
      "refused:invalid_argument/invalid_input",
      "ok:[2]",
    ]);
    expect([run.next, run.stopped]).toEqual([5, "end"]);
  });

  it("stops after a technical error, so the caller counts it first; the next call's input starts from fresh state", () => {
    const run = engine.tryInlineBatch(counter, {
      inputs: ["{}", "true", "{}", "{}"],
      fuelSlice: big,
      sliceMs: 10_000,
    });
    expect(kinds(run.attempts)).toEqual(["ok:1", "error:trap"]);
    expect([run.next, run.stopped]).toEqual([2, "failure"]);
    const rest = engine.tryInlineBatch(counter, {
      inputs: ["{}", "true", "{}", "{}"],
      from: run.next,
      fuelSlice: big,
      sliceMs: 10_000,
    });
    expect(kinds(rest.attempts)).toEqual(["ok:1", "ok:1"]);
    expect([rest.next, rest.stopped]).toEqual([4, "end"]);
  });

  it("stops at an input that outruns the fuel slice, which goes to the pool; the inputs before it have their results", () => {
    const short = engine.invokeInline(spin, { input: "1" }).stats.fuelUsed;
    const long = engine.invokeInline(spin, { input: "1111111111" }).stats.fuelUsed;
    const slice = Math.round((short + long) / 2);
    const run = engine.tryInlineBatch(spin, {
      inputs: ["1", "2", "1111111111", "3"],
      fuelSlice: slice,
      sliceMs: 10_000,
    });
    expect(kinds(run.attempts)).toEqual(["ok:1", "ok:2", "skipped:slice"]);
    expect([run.next, run.stopped]).toEqual([3, "pool"]);
    const first = run.attempts[0];
    expect(first && "ran" in first && first.ran.stats).toMatchObject({
      fuelUsed: short,
      fuelLimit: 50 * FUEL_PER_CPU_MILLI,
    });
  });

  it("starts no input once the caller's deadline has passed, and shrinks each input's time limit to what is left of it", () => {
    const past = engine.tryInlineBatch(counter, {
      inputs: ["{}", "{}"],
      fuelSlice: big,
      sliceMs: 10_000,
      deadline: performance.now() - 1,
    });
    expect([past.attempts.length, past.next, past.stopped]).toEqual([0, 0, "deadline"]);
    // 60 bytes: 6 million turns, several milliseconds; the deadline leaves 3 ms.
    const run = engine.tryInlineBatch(spin, {
      inputs: ["1".repeat(60), "1"],
      fuelSlice: 50 * FUEL_PER_CPU_MILLI,
      sliceMs: 10_000,
      deadline: performance.now() + 3,
    });
    expect(kinds(run.attempts)[0]).toBe("error:timeout");
    const a = run.attempts[0];
    expect(a && "ran" in a && a.ran.error).toMatchObject({
      code: "deadline_exceeded",
      details: { limit: expect.any(Number) },
    });
    const limit =
      a && "ran" in a ? (a.ran.error?.details as { limit?: number } | undefined)?.limit : undefined;
    expect(limit).toBeLessThanOrEqual(3);
  });

  it("holds the thread for about sliceMs: it stops once that much wall time has passed, after at least one input", () => {
    const one = engine.tryInlineBatch(counter, { inputs: ["{}", "{}", "{}"], fuelSlice: big, sliceMs: 0 });
    expect(kinds(one.attempts)).toEqual(["ok:1"]);
    expect([one.next, one.stopped]).toEqual([1, "time"]);
    // Each input spins about a millisecond (10 bytes: a million turns); a 2 ms slice stops well before 30.
    const inputs = Array.from({ length: 30 }, () => "1".repeat(10));
    const run = engine.tryInlineBatch(spin, { inputs, fuelSlice: 50 * FUEL_PER_CPU_MILLI, sliceMs: 2 });
    expect(run.stopped).toBe("time");
    expect(run.next).toBeLessThan(30);
    expect(run.next).toBe(run.attempts.length);
  });

  it("declines, without running it, an input whose instance must first be made off this thread", async () => {
    const table = await engine.load(
      await watComponent(
        guest(
          "(if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 116)) (then unreachable)) (call $ok (local.get $ptr) (local.get $len))",
          "(table 500000 funcref)",
        ),
      ),
    );
    const run = engine.tryInlineBatch(table, { inputs: ["1", "true", "1"], fuelSlice: big, sliceMs: 10_000 });
    expect(kinds(run.attempts)).toEqual(["ok:1", "error:trap"]);
    const next = engine.tryInlineBatch(table, {
      inputs: ["1", "true", "1"],
      from: 2,
      fuelSlice: big,
      sliceMs: 10_000,
    });
    expect(kinds(next.attempts)).toEqual(["skipped:not_ready"]);
    expect([next.next, next.stopped]).toEqual([3, "pool"]);
  });

  it("refuses a bad slice, a bad start index and bad limits with invalid_argument/invalid_limits, before any input runs", () => {
    const base = { inputs: ["{}"], fuelSlice: big, sliceMs: 1 };
    for (const bad of [
      { fuelSlice: 0 },
      { fuelSlice: 1.5 },
      { sliceMs: -1 },
      { sliceMs: Number.NaN },
      { from: -1 },
      { from: 2 },
      { from: 0.5 },
      { limits: { cpuMillis: 0 } },
    ])
      expect(() => engine.tryInlineBatch(counter, { ...base, ...bad })).toThrowError(
        expect.objectContaining({ code: "invalid_argument", reason: "invalid_limits" }),
      );
    // The engine still serves.
    expect(kinds(engine.tryInlineBatch(counter, base).attempts)).toEqual(["ok:1"]);
  });
});
