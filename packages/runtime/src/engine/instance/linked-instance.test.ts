import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUEL_PER_HOST_BYTE, readContractWit, restoreFuel } from "@ameide-ext/contract";
import { beforeAll, describe, expect, it } from "vitest";
import { compileLinked, type LinkedExtension, planLink } from "../../component/link-component.js";
import type { GuestRunOptions, HostCallAnswer } from "./instance-lifecycle.js";
import { createLinkedInstance } from "./linked-instance.js";
import { newInstanceFuel } from "./new-instance-fuel.js";

// A JavaScript guest, built the way TypeScript hooks will be: componentize-qjs
// (QuickJS), synchronous, WASI stubbed. Its component links 13 core modules.
const GUEST = `
import { log, call } from "ameide:extension/host@1.0.0";
let counter = 0;
export function run(input) {
  counter++;
  const x = JSON.parse(input);
  if (x.mode === "loop") { for (;;) {} }
  if (x.mode === "fail") throw { payload: JSON.stringify({ code: "MARGIN_TOO_LOW", message: "margin under 10%" }) };
  if (x.mode === "call") {
    try { return JSON.stringify({ got: JSON.parse(call("crm", "GetAccount", "{}")) }); }
    catch (e) { return JSON.stringify({ refused: JSON.parse(e.payload) }); }
  }
  if (x.mode === "big") return JSON.stringify({ s: "x".repeat(200000) });
  if (x.mode === "log-n") { log("info", "y".repeat(x.n)); return "null"; }
  if (x.mode === "call-n") { call("crm", "Echo", "{}"); return "null"; }
  if (x.mode === "huge-level") { log("x".repeat(x.n), "m"); return "null"; }
  log("info", "deal " + x.amount);
  return JSON.stringify({ route: x.amount > 50000 ? "extra_approval" : "standard", counter });
}
`;

async function buildJsComponent(source: string): Promise<Uint8Array> {
  const { componentize } = await import("componentize-qjs");
  const dir = mkdtempSync(join(tmpdir(), "qjs-"));
  const wit = join(dir, "extension.wit");
  writeFileSync(wit, readContractWit());
  const js = join(dir, "guest.js");
  writeFileSync(js, source);
  const { component } = await componentize({
    witPath: wit,
    jsSource: source,
    jsPath: js,
    world: "extension",
    sync: true,
    stubWasi: true,
  });
  return new Uint8Array(component);
}

const run = (
  instance: ReturnType<typeof createLinkedInstance>,
  input: unknown,
  over: Partial<GuestRunOptions> = {},
) =>
  instance.run({
    input: new TextEncoder().encode(JSON.stringify(input)),
    // Plenty: building the 200 KB output of mode "big" takes about 51 million by the cost model.
    fuel: 100_000_000,
    outputLimitBytes: 64 * 1024,
    logBytes: 16 * 1024,
    logLines: 100,
    hostCall: undefined,
    ...over,
  });

describe("createLinkedInstance() on a QuickJS component", () => {
  let linked: LinkedExtension;
  beforeAll(async () => {
    const plan = await planLink(await buildJsComponent(GUEST));
    expect(plan.modules.size).toBeGreaterThan(1);
    linked = compileLinked(plan, { memoryMb: 32, maxCallDepth: 10_000 });
  }, 120_000);

  it("runs the hook and meters it", () => {
    const g = createLinkedInstance(linked);
    const r = run(g, { amount: 72000 });
    expect(r.outcome).toBe("ok");
    expect(JSON.parse(r.output as string)).toEqual({ route: "extra_approval", counter: 1 });
    expect(r.fuelUsed).toBeGreaterThan(1000);
    expect(r.logs).toEqual([{ level: "info", message: "deal 72000" }]);
  });

  it("starts every run from the post-init state, with the same fuel", () => {
    const g = createLinkedInstance(linked);
    const a = run(g, { amount: 10 });
    const b = run(g, { amount: 10 });
    expect(JSON.parse(a.output as string).counter).toBe(1);
    expect(JSON.parse(b.output as string).counter).toBe(1);
    expect(b.fuelUsed).toBe(a.fuelUsed);
    expect(g.instantiations).toBe(1);
  });

  it("stops an infinite loop on fuel (resource_exhausted/fuel) and serves the next run", () => {
    const g = createLinkedInstance(linked);
    const r = run(g, { mode: "loop" }, { fuel: 2_000_000 });
    expect(r.error).toMatchObject({ code: "resource_exhausted", reason: "fuel" });
    expect(r.fuelUsed).toBe(2_000_000);
    expect(run(g, { amount: 1 }).outcome).toBe("ok");
  });

  it("returns a thrown business error as the business_error outcome", () => {
    const r = run(createLinkedInstance(linked), { mode: "fail" });
    expect(r.outcome).toBe("business_error");
    expect(r.businessError).toEqual({ code: "MARGIN_TOO_LOW", message: "margin under 10%" });
  });

  it("answers host calls, and ends the run when the gate refuses one", () => {
    const g = createLinkedInstance(linked);
    const ok = run(g, { mode: "call" }, { hostCall: (): HostCallAnswer => ({ ok: '{"churn":0.2}' }) });
    expect(JSON.parse(ok.output as string)).toEqual({ got: { churn: 0.2 } });
    expect(ok.hostCalls).toBe(1);
    const refused = run(g, { mode: "call" });
    expect(refused.error).toMatchObject({ code: "permission_denied", reason: "host_call_denied" });
  });

  it("refuses output over its limit with resource_exhausted/output_size", () => {
    const r = run(createLinkedInstance(linked), { mode: "big" });
    expect(r.error).toMatchObject({ code: "resource_exhausted", reason: "output_size" });
  });

  it("charges FUEL_PER_HOST_BYTE per byte of a log message the host reads, the same for the same input", () => {
    const g = createLinkedInstance(linked);
    // The same guest work; over the log's cap the message is only counted, never read.
    const read = run(g, { mode: "log-n", n: 3000 });
    const unread = run(g, { mode: "log-n", n: 3000 }, { logBytes: 100 });
    expect([read.outcome, unread.outcome]).toEqual(["ok", "ok"]);
    expect(read.logs[0]?.message).toHaveLength(3000);
    expect(read.fuelUsed - unread.fuelUsed).toBe(3000 * FUEL_PER_HOST_BYTE);
    expect(run(g, { mode: "log-n", n: 3000 }).fuelUsed).toBe(read.fuelUsed);
  });

  it("charges FUEL_PER_HOST_BYTE per byte of a host call's answer the host writes", () => {
    const g = createLinkedInstance(linked);
    const answer = (n: number) => (): HostCallAnswer => ({ ok: JSON.stringify("z".repeat(n)) });
    const small = run(g, { mode: "call-n" }, { hostCall: answer(1000) });
    const large = run(g, { mode: "call-n" }, { hostCall: answer(3000) });
    expect([small.outcome, large.outcome]).toEqual(["ok", "ok"]);
    expect(large.fuelUsed - small.fuelUsed).toBeGreaterThanOrEqual(2000 * FUEL_PER_HOST_BYTE);
    expect(run(g, { mode: "call-n" }, { hostCall: answer(3000) }).fuelUsed).toBe(large.fuelUsed);
  });

  it("refuses a log level over its cap before decoding it, with a short message", () => {
    const g = createLinkedInstance(linked);
    const r = run(g, { mode: "huge-level", n: 1_000_000 }, { fuel: 500_000_000 });
    expect(r.error).toMatchObject({ code: "resource_exhausted", reason: "host_string_size" });
    expect(r.error?.message.length).toBeLessThan(200);
    expect(r.logs).toEqual([]);
    expect(run(g, { amount: 1 }).outcome).toBe("ok");
  });

  it("charges restoreFuel for the memories each run starts from, as a one-module guest pays", () => {
    const g = createLinkedInstance(linked);
    const first = run(g, { amount: 1 });
    const charge = restoreFuel(first.memoryBytes);
    expect(charge).toBeGreaterThan(0); // QuickJS's memories are over RESTORE_FREE_BYTES
    expect(first.fuelUsed).toBeGreaterThan(charge);
    const starved = run(g, { amount: 1 }, { fuel: charge });
    expect(starved.error).toMatchObject({ code: "resource_exhausted", reason: "fuel" });
    expect([starved.fuelUsed, starved.hostCalls, starved.logs]).toEqual([charge, 0, []]);
    expect(run(g, { amount: 1 }).fuelUsed).toBe(first.fuelUsed);
  });

  it("charges the run after a trap for the new instance it needs (newInstanceFuel), once", () => {
    const g = createLinkedInstance(linked);
    const clean = run(g, { amount: 1 });
    expect(run(g, { mode: "loop" }, { fuel: 2_000_000 }).error).toMatchObject({ reason: "fuel" });
    const after = run(g, { amount: 1 });
    const charge = newInstanceFuel(
      [...linked.modules.values()],
      Buffer.byteLength(linked.glue),
      clean.memoryBytes,
    );
    // The glue runs again and 13 modules are made: far more than the guest's own work here.
    expect(charge).toBeGreaterThan(5_000_000);
    expect([after.outcome, after.fuelUsed - clean.fuelUsed]).toEqual(["ok", charge]);
    expect(g.instantiations).toBe(2);
    expect(run(g, { amount: 1 }).fuelUsed).toBe(clean.fuelUsed);
  });

  it("refuses the run after a trap when its new instance is over the budget, and runs the next one, which pays it", () => {
    const g = createLinkedInstance(linked);
    const clean = run(g, { amount: 1 });
    run(g, { mode: "loop" }, { fuel: 2_000_000 });
    const refused = run(g, { amount: 1 }, { fuel: 5_000_000 });
    expect(refused.error).toMatchObject({ code: "resource_exhausted", reason: "fuel" });
    expect(refused.error?.message).toContain("new instance");
    expect([refused.fuelUsed, refused.hostCalls, refused.logs]).toEqual([5_000_000, 0, []]);
    // The refusal did not pay for the instance (it would have been made for nothing): the next run does.
    const charge = newInstanceFuel(
      [...linked.modules.values()],
      Buffer.byteLength(linked.glue),
      clean.memoryBytes,
    );
    expect(run(g, { amount: 1 }).fuelUsed).toBe(clean.fuelUsed + charge);
    expect(run(g, { amount: 1 }).fuelUsed).toBe(clean.fuelUsed);
    expect(g.instantiations).toBe(2);
  });
});
