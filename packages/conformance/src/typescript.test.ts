import { FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import {
  createEngine,
  type HostCallPolicy,
  type HostCallRequest,
  type LoadedExtension,
  type LoadOptions,
} from "@ameide-ext/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildTypeScriptGuest,
  listTypeScriptGuests,
  TYPESCRIPT_BUILD_TIMEOUT_MS,
} from "./build-typescript-guest.js";
import { createHarness, GENEROUS_TIMEOUT_MS, MODES, type Mode } from "./create-harness.js";
import { expectTechnicalError } from "./expect-outcome.js";

// The TypeScript guests (guests/typescript/*.ts), built with the PDK's buildTypeScript: QuickJS
// components of 13 core modules that the engine links. Each must end exactly as its header says,
// inline and in the pool, and the engine must serve a well-behaved guest afterwards.

const h = createHarness();
afterAll(() => h.close());

/** Load limits per guest, where the defaults do not fit the test. */
const LOAD_OPTIONS: Record<string, LoadOptions> = {
  // A 4 MiB cap, so QuickJS's heap reaches it in a few hundred million instructions.
  "unbounded-array": { limits: { memoryMb: 4 } },
  // Room for a 16 MiB string in QuickJS's heap and its copy lowered into linear memory.
  "huge-host-string": { limits: { memoryMb: 128 } },
};

const loaded = new Map<string, LoadedExtension>();
/** TypeScript guest `name`, built and loaded once for this suite. */
const guest = (name: string): LoadedExtension => {
  const ext = loaded.get(name);
  if (!ext) throw new Error(`guests/typescript/${name}.ts was not loaded`);
  return ext;
};

beforeAll(async () => {
  for (const name of listTypeScriptGuests()) {
    const options = LOAD_OPTIONS[name] ?? {};
    const ext = await h.engine.load(await buildTypeScriptGuest(name), {
      ...options,
      limits: { timeoutMs: GENEROUS_TIMEOUT_MS, ...options.limits },
    });
    loaded.set(name, ext);
  }
}, TYPESCRIPT_BUILD_TIMEOUT_MS);

let probes = 0;
/**
 * What every test checks after a hostile guest: the engine still serves the
 * TypeScript echo guest and the WAT echo guest, inline and, for `pool`, in the
 * same pool too.
 */
async function expectServing(mode: Mode): Promise<void> {
  const input = JSON.stringify({ probe: ++probes });
  for (const m of mode === "pool" ? (["inline", "pool"] as const) : (["inline"] as const)) {
    const r = await h.invoke(m, guest("echo"), { input });
    expect({ mode: m, outcome: r.outcome, output: r.output, error: r.error }).toEqual({
      mode: m,
      outcome: "ok",
      output: input,
      error: undefined,
    });
  }
  await h.expectHealthy(mode);
}

/** A host-call handler that records every call it is reached with. */
function recordingHandler(answer: string) {
  const seen: HostCallRequest[] = [];
  return Object.assign(
    (call: HostCallRequest) => {
      seen.push(call);
      return answer;
    },
    { seen },
  );
}

describe.each(MODES)("TypeScript guests (%s)", (mode) => {
  it("runs echo.ts: ok, the output is the input", async () => {
    const input = JSON.stringify({ deal: "D-1042", lines: [1, 2, 3] });
    const r = await h.invoke(mode, guest("echo"), { input });
    expect([r.outcome, r.output]).toEqual(["ok", input]);
    expect(r.stats.fuelUsed).toBeGreaterThan(0);
  });

  it("stops infinite-loop.ts with resource_exhausted/fuel, charging the whole budget", async () => {
    const r = await h.invoke(mode, guest("infinite-loop"), { input: "null", limits: { cpuMillis: 10 } });
    expectTechnicalError(r, "resource_exhausted", "fuel");
    expect(r.stats.fuelLimit).toBe(10 * FUEL_PER_CPU_MILLI);
    expect(r.stats.fuelUsed).toBe(r.stats.fuelLimit);
    await expectServing(mode);
  });

  it("stops unbounded-array.ts at the memory cap with resource_exhausted/memory", async () => {
    // Enough fuel to fill 4 MiB: the memory cap, not fuel, must end it.
    const r = await h.invoke(mode, guest("unbounded-array"), { input: "null", limits: { cpuMillis: 1000 } });
    expectTechnicalError(r, "resource_exhausted", "memory");
    expect(r.stats.fuelUsed).toBeLessThan(r.stats.fuelLimit);
    await expectServing(mode);
  });

  it("stops deep-recursion.ts with resource_exhausted/stack", async () => {
    const r = await h.invoke(mode, guest("deep-recursion"), { input: "null" });
    expectTechnicalError(r, "resource_exhausted", "stack");
    await expectServing(mode);
  });

  it("refuses huge-output.ts's 128 KiB output with resource_exhausted/output_size", async () => {
    const r = await h.invoke(mode, guest("huge-output"), { input: "null" });
    expectTechnicalError(r, "resource_exhausted", "output_size");
    expect(r.error?.details).toMatchObject({ limit: 64 * 1024 });
    expect(r.output).toBeUndefined();
    await expectServing(mode);
  });

  it("ends uncaught-throw.ts with internal/guest_exception (not a limit), and keeps the exception in its log", async () => {
    const r = await h.invoke(mode, guest("uncaught-throw"), { input: "null" });
    expectTechnicalError(r, "internal", "guest_exception");
    expect(r.logs).toHaveLength(1);
    expect(r.logs[0]?.level).toBe("error");
    expect(r.logs[0]?.message).toContain("TypeError: the deal has no amount");
    await expectServing(mode);
  });

  it("returns business-error.ts's fail() as business_error with its code, message and details", async () => {
    const r = await h.invoke(mode, guest("business-error"), { input: "null" });
    expect({ outcome: r.outcome, businessError: r.businessError, error: r.error }).toEqual({
      outcome: "business_error",
      businessError: { code: "MARGIN_TOO_LOW", message: "margin 8% is under 10%", details: { marginPct: 8 } },
      error: undefined,
    });
    await expectServing(mode);
  });

  it.each([
    ["no policy (low by default)", undefined],
    [
      "low with an allowlist and a count",
      { riskTier: "low", allow: [{ service: "crm", method: "GetAccount", readOnly: true }], maxCalls: 8 },
    ],
  ] as const)(
    "refuses host-call.ts's call with permission_denied/host_call_denied at low tier: %s",
    async (_, policy) => {
      const handler = recordingHandler('{"name":"ACME"}');
      const r = await h.invoke(mode, guest("host-call"), {
        input: "7",
        policy: policy as HostCallPolicy | undefined,
        hostHandler: handler,
      });
      expectTechnicalError(r, "permission_denied", "host_call_denied");
      expect(handler.seen).toHaveLength(0);
      expect(r.stats.hostCalls).toBe(0);
      await expectServing(mode);
    },
  );

  it("answers host-call.ts's call at medium tier when the method is allowlisted read-only", async () => {
    const handler = recordingHandler('{"name":"ACME"}');
    const r = await h.invoke(mode, guest("host-call"), {
      input: "7",
      policy: { riskTier: "medium", allow: [{ service: "crm", method: "GetAccount", readOnly: true }] },
      hostHandler: handler,
      ctx: { tenantId: "t1" },
    });
    expect([r.outcome, r.output, r.stats.hostCalls]).toEqual([
      "ok",
      '{"ok":true,"value":{"name":"ACME"}}',
      1,
    ]);
    expect(handler.seen).toEqual([
      expect.objectContaining({ service: "crm", method: "GetAccount", requestJson: '{"id":7}' }),
    ]);
  });

  it.each([
    ["a 16 MiB log level", 1],
    ["a 16 MiB service name", 2],
    ["a 300,000-byte request", 3],
  ])(
    "ends huge-host-string.ts's %s with resource_exhausted/host_string_size, its message short",
    async (_what, input) => {
      const r = await h.invoke(mode, guest("huge-host-string"), {
        input: String(input),
        limits: { cpuMillis: 5000 },
      });
      expectTechnicalError(r, "resource_exhausted", "host_string_size");
      // Refused on the length: the error names it and the cap, never the string.
      expect(r.error?.message.length).toBeLessThan(200);
      expect(r.stats.hostCalls).toBe(0);
      await expectServing(mode);
    },
  );

  it("gives module-counter.ts a pristine state every time: its module-level counter is 1 on every call", async () => {
    const outputs: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++)
      outputs.push((await h.invoke(mode, guest("module-counter"), { input: "null" })).output);
    expect(outputs).toEqual(Array(4).fill('{"calls":1}'));
    // And after a trap of the same engine's other guests.
    await h.invoke(mode, guest("uncaught-throw"), { input: "null" });
    expect((await h.invoke(mode, guest("module-counter"), { input: "null" })).output).toBe('{"calls":1}');
  });

  it("gives clock-and-random.ts's same input the same output and the same fuelUsed, twice", async () => {
    const input = JSON.stringify(["a", "b", "c", "d"]);
    const a = await h.invoke(mode, guest("clock-and-random"), { input });
    const b = await h.invoke(mode, guest("clock-and-random"), { input });
    expect(a.outcome).toBe("ok");
    expect([b.output, b.stats.fuelUsed]).toEqual([a.output, a.stats.fuelUsed]);
    // The clock is frozen at the epoch; Math.random is seeded from the input, so another input draws other numbers.
    const out = JSON.parse(a.output as string) as { now: number; date: string; random: number[] };
    expect([out.now, out.date]).toEqual([0, "1970-01-01T00:00:00.000Z"]);
    const other = await h.invoke(mode, guest("clock-and-random"), {
      input: JSON.stringify(["a", "b", "c", "e"]),
    });
    expect(JSON.parse(other.output as string).random).not.toEqual(out.random);
  });
});

describe("TypeScript guests: inline and pool agree", () => {
  it.each([
    ["clock-and-random", JSON.stringify(["x", "y"])],
    ["echo", JSON.stringify({ amount: 72000 })],
  ])("%s.ts: the same output and fuelUsed in both modes", async (name, input) => {
    const inline = h.engine.invokeInline(guest(name), { input });
    const pool = await h.engine.invoke(guest(name), { input });
    expect(inline.outcome).toBe("ok");
    expect([pool.outcome, pool.output, pool.stats.fuelUsed]).toEqual([
      inline.outcome,
      inline.output,
      inline.stats.fuelUsed,
    ]);
  });
});

describe("TypeScript guests: wall-clock limit", () => {
  it("pool: stops infinite-loop.ts with a generous budget at timeoutMs with deadline_exceeded/timeout, and replaces the worker", async () => {
    await expectServing("pool"); // the worker is up and has its instances, so the time-out is the guest's alone
    const replaced = h.engine.stats().workersReplaced;
    const r = await h.engine.invoke(guest("infinite-loop"), {
      input: "null",
      limits: { cpuMillis: 10_000, timeoutMs: 200 },
    });
    expectTechnicalError(r, "deadline_exceeded", "timeout");
    // Timers may fire a fraction of a millisecond early against performance.now().
    expect(r.stats.durationUs).toBeGreaterThan(195_000);
    expect(h.engine.stats().workersReplaced).toBe(replaced + 1);
    // The new worker has no instance yet: making one does not count against the limit.
    const after = await h.engine.invoke(guest("echo"), { input: "[1]", limits: { timeoutMs: 100 } });
    expect([after.outcome, after.output]).toEqual(["ok", "[1]"]);
    await expectServing("pool");
  });
});

describe("well-behaved TypeScript invocations in the pool", () => {
  it("never end on time: 2,000 echo.ts calls, 2 in flight on 2 workers, default 100 ms limit, all ok", async () => {
    // As the bench's TS pool step: a fresh engine and pool, the hook run inline first, then the pool.
    const engine = createEngine({ pool: { size: 2 } });
    try {
      const ext = await engine.load(await buildTypeScriptGuest("echo"));
      expect(ext.limits.timeoutMs).toBe(100);
      for (let i = 0; i < 200; i++) expect(engine.invokeInline(ext, { input: "[1]" }).outcome).toBe("ok");
      const outcomes = new Map<string, number>();
      let left = 2000;
      const caller = async () => {
        while (left-- > 0) {
          const r = await engine.invoke(ext, { input: "[1]" });
          const key = r.outcome === "ok" ? "ok" : `${r.error?.code}/${r.error?.reason}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }
      };
      await Promise.all([caller(), caller()]);
      expect(Object.fromEntries(outcomes)).toEqual({ ok: 2000 });
      expect(engine.stats().workersReplaced).toBe(0);
    } finally {
      await engine.close();
    }
  }, 120_000);
});
