import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildTypeScript } from "@ameide-ext/pdk";
import { beforeAll, describe, expect, it } from "vitest";
import { compileLinked, type LinkedExtension, planLink } from "../component/link-component.js";
import type { GuestRunOptions } from "./guest-instance.js";
import { createLinkedInstance } from "./linked-instance.js";

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
    default: log.info("calls " + calls); return { calls, route: (x.amount ?? 0) > 50000 ? "extra_approval" : "standard" };
  }
}
`;

async function buildLinked(source: string): Promise<LinkedExtension> {
  const dir = mkdtempSync(path.join(tmpdir(), "ts-hook-"));
  mkdirSync(path.join(dir, "src"));
  const entry = path.join(dir, "src", "index.ts");
  writeFileSync(entry, source);
  const built = await buildTypeScript({ entry });
  return compileLinked(await planLink(built.component), { memoryMb: 16, maxCallDepth: 10_000 });
}

describe("a TypeScript hook (QuickJS) in a linked instance", () => {
  let linked: LinkedExtension;
  beforeAll(async () => {
    linked = await buildLinked(HOOK);
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

  it("returns fail() as a business error with its code, message and details", () => {
    const r = run({ mode: "fail" });
    expect(r.outcome).toBe("business_error");
    expect(r.businessError).toEqual({
      code: "MARGIN_TOO_LOW",
      message: "margin under 10%",
      details: { marginPct: 8 },
    });
  });

  it("ends a throw that is not a business error with resource_exhausted/trap, and logs it", () => {
    const r = run({ mode: "throw" });
    expect(r.error).toMatchObject({ code: "resource_exhausted", reason: "trap" });
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

  it("stops deep recursion with resource_exhausted", () => {
    const r = run({ mode: "recurse" });
    expect(r.error?.code).toBe("resource_exhausted");
    console.log("RECURSE", JSON.stringify(r.error), JSON.stringify(r.logs).slice(0, 200));
    expect(["stack", "trap"]).toContain(r.error?.reason);
  });

  it("refuses a host call when none is allowed: permission_denied/host_call_denied", () => {
    const r = run({ mode: "call" });
    expect(r.error).toMatchObject({ code: "permission_denied", reason: "host_call_denied" });
  });
});
