import { type ExecutionContext, ExtensionError } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import type { InvokeOptions, RuntimeClient } from "../runtime-client.js";
import { createInMemoryConfigStore } from "./domain-config-store.js";
import { createDomainExtensions, DomainVetoError, type FailOpenEvent } from "./domain-extensions.js";
import { defineExtensionPoints } from "./extension-points.js";

const ctx: ExecutionContext = { tenantId: "acme", userId: "u1", actorType: "USER" };
const points = defineExtensionPoints({
  BeforeCreateOrder: { kind: "before" },
  AfterCreateOrder: { kind: "after" },
  BeforeQuote: { kind: "before", failure: "fail_open", deadlineMs: 50 },
});

/** A unit-test stand-in for the runtime: answers each call with `answer`, and records the calls. */
function fakeClient(answer: (o: InvokeOptions) => unknown) {
  const calls: InvokeOptions[] = [];
  const client: RuntimeClient = {
    async invoke(o) {
      calls.push(o as InvokeOptions);
      const r = answer(o as InvokeOptions);
      if (r instanceof Error) throw r;
      return r as never;
    },
    invokeMany() {
      throw new Error("the domain extensions never batch");
    },
    close() {},
    chattyWarnings: 0,
  };
  return { client, calls };
}

const ok = (output: unknown) => ({ outcome: "ok", output, logs: [] });

function setup(answer: (o: InvokeOptions) => unknown) {
  const configs = createInMemoryConfigStore();
  configs.set("acme", "orders", "BeforeCreateOrder", { extensionId: "order-guard" });
  configs.set("acme", "orders", "AfterCreateOrder", { extensionId: "order-notes", version: "2" });
  configs.set("acme", "orders", "BeforeQuote", { extensionId: "quote-guard" });
  const { client, calls } = fakeClient(answer);
  const failed: FailOpenEvent[] = [];
  const ext = createDomainExtensions({
    client,
    domain: "orders",
    configs,
    onFailOpen: (e) => failed.push(e),
  });
  return { ext, calls, failed };
}

describe("createDomainExtensions().around()", () => {
  it("before: merges the hook's derived fields into the command before next runs, within the point's deadline", async () => {
    const { ext, calls } = setup(() =>
      ok({ ok: true, validationMessages: [], derivedFields: { risk: "low" } }),
    );
    const seen: unknown[] = [];
    const r = await ext.around(points.BeforeCreateOrder, ctx, { total: 10 }, async (c) => {
      seen.push(c);
      return { id: "o1" };
    });
    expect(seen).toEqual([{ total: 10, risk: "low" }]);
    expect(r).toEqual({ result: { id: "o1" }, messages: [] });
    expect(calls[0]).toMatchObject({ extensionId: "order-guard", input: { total: 10 }, ctx, timeoutMs: 100 });
  });

  it("before: a veto (ok false) refuses the command with its messages, and next never runs", async () => {
    const messages = [
      { field: "currency", code: "CURRENCY_NOT_SUPPORTED", message: "currency XYZ is not one of EUR" },
    ];
    const { ext } = setup(() => ok({ ok: false, validationMessages: messages, derivedFields: {} }));
    let ran = false;
    const p = ext.around(points.BeforeCreateOrder, ctx, { total: 10 }, async () => {
      ran = true;
      return {};
    });
    await expect(p).rejects.toBeInstanceOf(DomainVetoError);
    await expect(p).rejects.toMatchObject({
      code: "failed_precondition",
      details: { validationMessages: messages },
    });
    expect(ran).toBe(false);
  });

  it("before: the guest's business error is a veto too", async () => {
    const { ext } = setup(() => ({
      outcome: "business_error",
      businessError: { code: "BLOCKED", message: "no" },
    }));
    await expect(ext.around(points.BeforeCreateOrder, ctx, {}, async () => ({}))).rejects.toMatchObject({
      code: "failed_precondition",
      details: { validationMessages: [{ code: "BLOCKED", message: "no" }] },
    });
  });

  it("fail_closed (before's default): the runtime unavailable or the breaker open refuses the command, coded", async () => {
    for (const reason of ["circuit_open", "overloaded"] as const) {
      const { ext } = setup(() => new ExtensionError("unavailable", "the runtime is away", reason));
      let ran = false;
      const p = ext.around(points.BeforeCreateOrder, ctx, {}, async () => {
        ran = true;
        return {};
      });
      await expect(p).rejects.toMatchObject({
        code: "unavailable",
        reason,
        details: { point: "BeforeCreateOrder", extensionId: "order-guard", failure: "fail_closed" },
      });
      expect(ran).toBe(false);
    }
  });

  it("a malformed answer is a technical error, never a pass: refused when fail_closed", async () => {
    for (const answer of [
      { ok: "yes" },
      { ok: true, validationMessages: [{}] },
      { ok: true, extra: 1 },
      [1],
      "ok",
    ]) {
      const { ext } = setup(() => ok(answer));
      await expect(ext.around(points.BeforeCreateOrder, ctx, {}, async () => ({}))).rejects.toMatchObject({
        code: "internal",
        reason: "invalid_output",
      });
    }
  });

  it("refuses derived fields that name a prototype key at any depth: merged, they would reshape the command's objects", async () => {
    for (const text of [
      '{"ok":true,"derivedFields":{"__proto__":{"isAdmin":true}}}',
      '{"ok":true,"derivedFields":{"a":[{"b":{"constructor":{"prototype":{"isAdmin":true}}}}]}}',
      '{"ok":true,"derivedFields":{"prototype":1}}',
      '{"ok":true,"validationMessages":[{"message":"m","__proto__":{"isAdmin":true}}]}',
    ]) {
      const { ext } = setup(() => ok(JSON.parse(text)));
      let ran = false;
      await expect(
        ext.around(points.BeforeCreateOrder, ctx, {}, async (c) => {
          ran = true;
          return Object.assign({}, c);
        }),
        text,
      ).rejects.toMatchObject({ code: "internal", reason: "invalid_output" });
      expect(ran).toBe(false);
    }
  });

  it("fail_open: the command goes on, and the failure is heard and counted", async () => {
    const { ext, failed } = setup(() => new ExtensionError("deadline_exceeded", "too slow", "timeout"));
    const r = await ext.around(points.BeforeQuote, ctx, { q: 1 }, async (c) => ({ echo: c.q }));
    expect(r).toEqual({ result: { echo: 1 }, messages: [] });
    expect(failed.map((f) => [f.point, f.extensionId, f.error.reason])).toEqual([
      ["BeforeQuote", "quote-guard", "timeout"],
    ]);
    expect(ext.failedOpen).toBe(1);
  });

  it("after: sees the command and the result, adds its messages and derived fields to the result", async () => {
    const note = { code: "REVIEW", severity: "warning", message: "large order" };
    const { ext, calls } = setup(() =>
      ok({ ok: true, validationMessages: [note], derivedFields: { tag: "big" } }),
    );
    const r = await ext.around(points.AfterCreateOrder, ctx, { total: 9 }, async () => ({ id: "o2" }));
    expect(r).toEqual({ result: { id: "o2", tag: "big" }, messages: [note] });
    expect(calls[0]).toMatchObject({
      extensionId: "order-notes",
      version: "2",
      input: { command: { total: 9 }, result: { id: "o2" } },
    });
  });

  it("after (fail_open by default): a failure leaves the result as it is", async () => {
    const { ext, failed } = setup(() => new ExtensionError("unavailable", "down", "circuit_open"));
    const r = await ext.around(points.AfterCreateOrder, ctx, {}, async () => ({ id: "o3" }));
    expect([r.result, failed.length]).toEqual([{ id: "o3" }, 1]);
  });

  it("no binding for the tenant: next runs untouched, with no RPC", async () => {
    const { ext, calls } = setup(() => ok({ ok: false }));
    const r = await ext.around(points.BeforeCreateOrder, { tenantId: "globex" }, { a: 1 }, async (c) => c);
    expect([r.result, calls.length]).toEqual([{ a: 1 }, 0]);
  });
});

describe("around() when the bindings cannot be read", () => {
  const failing = {
    async get(): Promise<never> {
      throw new ExtensionError("unavailable", "the registry is down");
    },
  };
  const { client, calls } = fakeClient(() => ok({ ok: true }));

  it("fail_closed: refuses the command, coded unavailable, naming the point; next never runs", async () => {
    const ext = createDomainExtensions({ client, domain: "orders", configs: failing });
    let ran = false;
    const p = ext.around(points.BeforeCreateOrder, ctx, {}, async () => {
      ran = true;
      return {};
    });
    await expect(p).rejects.toMatchObject({
      code: "unavailable",
      details: { point: "BeforeCreateOrder", failure: "fail_closed" },
    });
    expect([ran, calls.length]).toEqual([false, 0]);
  });

  it("fail_open: the command goes on, and the failure is heard and counted", async () => {
    const failed: FailOpenEvent[] = [];
    const ext = createDomainExtensions({
      client,
      domain: "orders",
      configs: failing,
      onFailOpen: (e) => failed.push(e),
    });
    const r = await ext.around(points.AfterCreateOrder, ctx, {}, async () => ({ id: "o9" }));
    expect(r.result).toEqual({ id: "o9" });
    expect(failed.map((e) => [e.point, e.error.code])).toEqual([["AfterCreateOrder", "unavailable"]]);
    expect([ext.failedOpen, calls.length]).toEqual([1, 0]);
  });
});

describe("defineExtensionPoints()", () => {
  it("fills in the defaults: fail_closed before, fail_open after, 100 ms", () => {
    expect(points.BeforeCreateOrder).toEqual({
      name: "BeforeCreateOrder",
      kind: "before",
      failure: "fail_closed",
      deadlineMs: 100,
    });
    expect(points.AfterCreateOrder.failure).toBe("fail_open");
  });

  it("refuses a bad name, kind, policy or deadline with invalid_argument, naming the point", () => {
    const bad = [
      { createOrder: { kind: "before" } },
      { BeforeX: { kind: "during" } },
      { BeforeX: { kind: "before", failure: "maybe" } },
      { BeforeX: { kind: "before", deadlineMs: 0 } },
    ];
    for (const points of bad)
      expect(() => defineExtensionPoints(points as never)).toThrow(
        expect.objectContaining({ code: "invalid_argument" }),
      );
  });
});
