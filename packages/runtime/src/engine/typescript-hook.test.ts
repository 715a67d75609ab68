import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildTypeScript } from "@ameide-ext/pdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileLinked, type LinkedExtension, planLink } from "../component/link-component.js";
import { guest, watComponent } from "../testing/wat-component.js";
import { createEngine } from "./create-engine.js";
import type { GuestRunOptions } from "./instance/instance-lifecycle.js";
import { createLinkedInstance } from "./instance/linked-instance.js";

// TypeScript hooks built by the PDK (esbuild + componentize-qjs), run as linked instances.
const HOOK = `import { fail, host, log, type Json } from "@ameide-ext/pdk";
let calls = 0;
export function run(input: Json) {
  calls++;
  const x = input as { mode?: string; amount?: number };
  switch (x.mode) {
    case "clock": return { now: Date.now(), date: new Date().toISOString(), r: [Math.random(), Math.random()] };
    case "fail": return fail("MARGIN_TOO_LOW", "margin under 10%", { marginPct: 8 });
    case "throw": throw new TypeError("not a business error");
    case "loop": for (;;) {}
    case "grow": { const a: ArrayBuffer[] = []; for (;;) a.push(new ArrayBuffer(1 << 20)); }
    case "recurse": { const f = (n: number): number => f(n + 1) + 1; return f(0); }
    case "big": return { s: "x".repeat(100000) };
    case "call": return host.call("crm", "GetAccount", { id: 7 });
    case "call-loop": host.call("crm", "GetAccount", { id: 7 }); for (;;) {}
    default: log.info("calls " + calls); return { calls, route: (x.amount ?? 0) > 50000 ? "extra_approval" : "standard" };
  }
}
`;

/** A second hook: a different bundle around the same QuickJS runtime. */
const OTHER_HOOK = `export function run(input: unknown) { return { echo: input }; }\n`;

async function buildHook(source: string): Promise<Uint8Array> {
  const dir = mkdtempSync(path.join(tmpdir(), "ts-hook-"));
  mkdirSync(path.join(dir, "src"));
  const entry = path.join(dir, "src", "index.ts");
  writeFileSync(entry, source);
  return (await buildTypeScript({ entry })).component;
}

let component: Uint8Array;
let otherComponent: Uint8Array;
beforeAll(async () => {
  component = await buildHook(HOOK);
  otherComponent = await buildHook(OTHER_HOOK);
}, 180_000);

describe("a TypeScript hook (QuickJS) in a linked instance", () => {
  let linked: LinkedExtension;
  beforeAll(async () => {
    linked = compileLinked(await planLink(component), { memoryMb: 16, maxCallDepth: 10_000 });
  }, 120_000);
  const run = (input: unknown, over: Partial<GuestRunOptions> = {}) =>
    createLinkedInstance(linked).run({
      input: new TextEncoder().encode(JSON.stringify(input)),
      fuel: 100_000_000,
      outputLimitBytes: 64 * 1024,
      logBytes: 16 * 1024,
      logLines: 100,
      hostCall: undefined,
      ...over,
    });

  it("runs the rule with the parsed input and serializes its output", () => {
    const r = run({ amount: 72000 });
    expect(JSON.parse(r.output as string)).toEqual({ calls: 1, route: "extra_approval" });
    expect(r.logs).toEqual([{ level: "info", message: "calls 1" }]);
  });

  it("keeps no state between invocations: a module-level counter is 1 every time", () => {
    const g = createLinkedInstance(linked);
    const input = new TextEncoder().encode("{}");
    const opts = {
      input,
      fuel: 100_000_000,
      outputLimitBytes: 65536,
      logBytes: 16384,
      logLines: 100,
      hostCall: undefined,
    };
    expect(JSON.parse(g.run(opts).output as string).calls).toBe(1);
    expect(JSON.parse(g.run(opts).output as string).calls).toBe(1);
  });

  it("freezes the clock and seeds Math.random from the input: the same output and fuel twice", () => {
    const a = run({ mode: "clock" });
    const b = run({ mode: "clock" });
    expect(JSON.parse(a.output as string)).toMatchObject({ now: 0, date: "1970-01-01T00:00:00.000Z" });
    expect(a.output).toBe(b.output);
    expect(a.fuelUsed).toBe(b.fuelUsed);
    expect(run({ mode: "clock", salt: 1 }).output).not.toBe(a.output);
  });

  it("hashes the input for Math.random's seed only when the hook draws a number: a big input costs little fuel otherwise", () => {
    const pad = "x".repeat(20_000);
    const small = run({ amount: 1 }).fuelUsed;
    const big = run({ amount: 1, pad }).fuelUsed;
    // Decoding and JSON.parse are QuickJS's C code: tens of instructions per byte. Hashing in
    // interpreted JavaScript costs thousands per byte, which the clock mode (it draws numbers) pays.
    expect(big - small).toBeLessThan(pad.length * 100);
    expect(run({ mode: "clock", pad }).fuelUsed - run({ mode: "clock" }).fuelUsed).toBeGreaterThan(
      pad.length * 1000,
    );
  });

  it("returns fail() as a business error with its code, message and details", () => {
    const r = run({ mode: "fail" });
    expect(r.outcome).toBe("business_error");
    expect(r.businessError).toEqual({
      code: "MARGIN_TOO_LOW",
      message: "margin under 10%",
      details: { marginPct: 8 },
    });
  });

  // Issue #14: a guest exception was classed resource_exhausted/trap, as if a limit had been hit.
  it("ends a throw that is not a business error with internal/guest_exception, and logs it", () => {
    const r = run({ mode: "throw" });
    expect(r.error).toMatchObject({ code: "internal", reason: "guest_exception" });
    expect(r.error?.message).toContain("TypeError: not a business error");
    expect(r.logs.some((l) => l.level === "error" && l.message.includes("not a business error"))).toBe(true);
  });

  it.each([
    ["while (true) {}", "loop", "fuel"],
    ["allocations without bound", "grow", "memory"],
    ["a huge output", "big", "output_size"],
  ])("stops %s with resource_exhausted", (_, mode, reason) => {
    const r = run({ mode });
    expect(r.error).toMatchObject({ code: "resource_exhausted", reason });
  });

  it("stops deep recursion with resource_exhausted/stack", () => {
    const r = run({ mode: "recurse" });
    expect(r.error).toMatchObject({ code: "resource_exhausted", reason: "stack" });
  });

  it("refuses a host call when none is allowed: permission_denied/host_call_denied", () => {
    const r = run({ mode: "call" });
    expect(r.error).toMatchObject({ code: "permission_denied", reason: "host_call_denied" });
  });

  it("ends the invocation at the refused host call, as for a one-module guest: a loop after it never runs", () => {
    const r = run({ mode: "call-loop" });
    expect(r.error).toMatchObject({ code: "permission_denied", reason: "host_call_denied" });
    expect(r.fuelUsed).toBeLessThan(1_000_000);
  });
});

describe("createEngine() with TypeScript hooks", () => {
  const engine = createEngine({ pool: { size: 1 } });
  afterAll(() => engine.close());

  it("loads a composed component as a linked guest and runs it inline and in the pool", async () => {
    const ext = await engine.load(component);
    expect(ext.compiled.kind).toBe("linked");
    expect(ext.wit).toContain("export init:");
    const input = JSON.stringify({ amount: 72000 });
    const inline = engine.invokeInline(ext, { input });
    const pooled = await engine.invoke(ext, { input });
    for (const r of [inline, pooled]) {
      expect({ outcome: r.outcome, output: r.output, logs: r.logs }).toEqual({
        outcome: "ok",
        output: '{"calls":1,"route":"extra_approval"}',
        logs: [{ level: "info", message: "calls 1" }],
      });
    }
    expect(pooled.stats.fuelUsed).toBe(inline.stats.fuelUsed);
  });

  it("tries a TypeScript hook inline while its instance is live, but never remakes one on the caller's thread", async () => {
    const ext = await engine.load(component);
    expect(engine.tryInline(ext, { input: "{}" }, 10_000_000)).toMatchObject({ ran: { outcome: "ok" } });
    // A throw traps: the instance must be made again, which tryInline leaves to the pool.
    expect(engine.tryInline(ext, { input: '{"mode":"throw"}' }, 10_000_000)).toMatchObject({
      ran: { outcome: "technical_error", error: { reason: "guest_exception" } },
    });
    expect(engine.tryInline(ext, { input: "{}" }, 10_000_000)).toEqual({ skipped: "not_ready" });
    expect(await engine.invoke(ext, { input: "{}" })).toMatchObject({ outcome: "ok" });
  });

  it("keeps an AssemblyScript-shaped component (one core module) on the one-module path", async () => {
    const ext = await engine.load(await watComponent(guest("(call $ok (local.get $ptr) (local.get $len))")));
    expect(ext.compiled.kind).toBe("core");
  });

  it("meters the QuickJS runtime module once per engine: a second hook reuses it", async () => {
    const first = (await engine.load(component)).compiled;
    const second = (await engine.load(otherComponent)).compiled;
    if (first.kind !== "linked" || second.kind !== "linked") throw new Error("expected linked guests");
    const sizes = [...(await planLink(component)).modules].map(([name, bytes]) => ({
      name,
      size: bytes.length,
    }));
    const quickjs = sizes.reduce((a, b) => (b.size > a.size ? b : a)).name;
    expect(second.modules.get(quickjs)?.module).toBe(first.modules.get(quickjs)?.module);
    // Each hook's own code (its bundle, in QuickJS's snapshot) is compiled for it.
    const own = [...first.modules].filter(([name, m]) => second.modules.get(name)?.module !== m.module);
    expect(own.length).toBeGreaterThan(0);
    expect(own.map(([name]) => name)).not.toContain(quickjs);
  });

  it("refuses a TypeScript hook whose sha256 does not match with failed_precondition/integrity", async () => {
    await expect(engine.load(component, { sha256: "0".repeat(64) })).rejects.toMatchObject({
      code: "failed_precondition",
      reason: "integrity",
    });
  });

  it("refuses a TypeScript hook over the size limit with invalid_argument/module_size", async () => {
    const small = createEngine({ sizeLimits: { moduleBytes: 1024 * 1024 } });
    await expect(small.load(component)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "module_size",
    });
  });

  it("refuses a memory cap under the QuickJS snapshot's initial memory with resource_exhausted/memory", async () => {
    await expect(engine.load(component, { limits: { memoryMb: 1 } })).rejects.toMatchObject({
      code: "resource_exhausted",
      reason: "memory",
    });
  });
});
