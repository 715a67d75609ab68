import { ExtensionError } from "@ameide-ext/contract";
import { describe, expect, it, vi } from "vitest";
import type { InvokeResult } from "../read-response.js";
import type { InvokeOptions, RuntimeClient } from "../runtime-client.js";
import { BpmnError, isBpmnError, isRetryable } from "./bpmn-error.js";
import { extensionTask } from "./extension-task.js";
import { defineExtensionTask } from "./extension-task-definition.js";
import { FEEL_EVALUATION_TIMEOUT_MS, MAX_FEEL_VALUE_BYTES } from "./feel-mapping.js";

const stats = {
  fuelUsed: 1,
  fuelLimit: 10,
  peakMemoryBytes: 0,
  memoryLimitBytes: 0,
  durationUs: 1,
  outputBytes: 2,
  hostCalls: 0,
};
const ok = (output: unknown): InvokeResult => ({
  outcome: "ok",
  output,
  resolvedVersion: "3",
  moduleSha256: "ab12",
  stats,
  logs: [],
});

/** A client whose invoke answers with `answer(options)`; the calls are kept. */
function fakeClient(answer: (o: InvokeOptions) => InvokeResult | Promise<InvokeResult>) {
  const calls: InvokeOptions[] = [];
  const client: RuntimeClient = {
    invoke: vi.fn(async (o: InvokeOptions) => {
      calls.push(o);
      return answer(o);
    }) as RuntimeClient["invoke"],
    close: () => undefined,
    invokeMany: () => Promise.reject(new Error("invokeMany is not used by this test")),
    chattyWarnings: 0,
  };
  return { client, calls };
}

const pricer = defineExtensionTask({
  taskId: "price-deal",
  extensionId: "deal-pricer",
  version: "3",
  inputs: [
    { source: "=deal.amount", target: "amount" },
    { source: "=deal.amount * deal.discount", target: "discount.value" },
    { source: "EUR", target: "currency" },
  ],
  outputs: [
    { source: "=approved", target: "deal.approved" },
    { source: "=price * 2", target: "doubled" },
  ],
});
const proc = { tenantId: "acme", processInstanceId: "pi-42", userId: "u-7", env: "dev" };

describe("extensionTask()", () => {
  it("maps the variables into the input by FEEL, and the output back into new variables", async () => {
    const { client, calls } = fakeClient(() => ok({ approved: true, price: 21 }));
    const variables = { deal: { amount: 100, discount: 0.1, id: "D-1" }, other: "kept" };
    const next = await extensionTask(client, pricer)(variables, proc);
    expect(calls[0]?.input).toEqual({ amount: 100, discount: { value: 10 }, currency: "EUR" });
    expect(next).toEqual({
      deal: { amount: 100, discount: 0.1, id: "D-1", approved: true },
      other: "kept",
      doubled: 42,
    });
    expect(variables.deal).not.toHaveProperty("approved");
  });

  it("calls the task's extension and version with a context from the process: tenant, user, correlation id, env", async () => {
    const { client, calls } = fakeClient(() => ok({}));
    await extensionTask(client, pricer)({ deal: { amount: 1 } }, { ...proc, orgId: "o-1", sessionId: "s-1" });
    expect(calls[0]).toMatchObject({
      extensionId: "deal-pricer",
      version: "3",
      hookPoint: "process/price-deal",
      ctx: {
        tenantId: "acme",
        orgId: "o-1",
        userId: "u-7",
        actorType: "USER",
        sessionId: "s-1",
        correlationId: "pi-42/price-deal",
        env: "dev",
      },
    });
  });

  it("runs as the system when the process has no user, as an agent when it says so, and keeps a given correlation id", async () => {
    const { client, calls } = fakeClient(() => ok({}));
    const run = extensionTask(client, pricer);
    await run({}, { tenantId: "acme", processInstanceId: "pi-1" });
    await run({}, { tenantId: "acme", processInstanceId: "pi-1", userId: "agent-9", actorType: "AGENT" });
    await run({}, { ...proc, correlationId: "custom-1" });
    expect(calls.map((c) => [c.ctx.actorType, c.ctx.userId, c.ctx.correlationId])).toEqual([
      ["SYSTEM", "system", "pi-1/price-deal"],
      ["AGENT", "agent-9", "pi-1/price-deal"],
      ["USER", "u-7", "custom-1"],
    ]);
  });

  it("refuses a process context without a tenant or a process instance, before any RPC", async () => {
    const { client, calls } = fakeClient(() => ok({}));
    const run = extensionTask(client, pricer);
    await expect(run({}, { tenantId: "", processInstanceId: "pi-1" })).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
    });
    await expect(run({}, { tenantId: "acme", processInstanceId: "" })).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
      details: { field: "processInstanceId" },
    });
    await expect(
      run({}, { tenantId: "acme", processInstanceId: "p", actorType: "USER" }),
    ).rejects.toMatchObject({
      code: "invalid_argument",
    });
    expect(calls).toHaveLength(0);
  });

  it("refuses variables that are not an object, before any RPC", async () => {
    const { client, calls } = fakeClient(() => ok({}));
    for (const variables of [null, [], "deal", 42])
      await expect(
        extensionTask(client, pricer)(variables as unknown as Record<string, unknown>, proc),
        String(variables),
      ).rejects.toMatchObject({
        code: "invalid_argument",
        reason: "invalid_input",
        details: { field: "variables" },
      });
    expect(calls).toHaveLength(0);
  });

  it("sends all the variables when the task has no input mappings, and merges the output's fields when it has no output mappings", async () => {
    const echo = defineExtensionTask({ taskId: "echo", extensionId: "echo-hook" });
    const { client, calls } = fakeClient((o) => ok({ seen: o.input, added: 1 }));
    const next = await extensionTask(client, echo)({ a: 1 }, proc);
    expect(calls[0]?.input).toEqual({ a: 1 });
    expect(next).toEqual({ a: 1, seen: { a: 1 }, added: 1 });
  });

  it("refuses an output that is not an object when there are no output mappings to place it", async () => {
    const echo = defineExtensionTask({ taskId: "echo", extensionId: "echo-hook" });
    const { client } = fakeClient(() => ok(42));
    await expect(extensionTask(client, echo)({}, proc)).rejects.toMatchObject({
      code: "internal",
      reason: "invalid_output",
      details: { taskId: "echo" },
    });
  });

  it("gives an output mapping the whole output as `result` when the output is not an object", async () => {
    const task = defineExtensionTask({
      taskId: "score",
      extensionId: "risk-score",
      outputs: [{ source: "=result + 1", target: "score" }],
    });
    const { client } = fakeClient(() => ok(41));
    expect(await extensionTask(client, task)({}, proc)).toEqual({ score: 42 });
  });

  it("leaves out of the input a mapping whose value is null, such as a variable the process does not have", async () => {
    const { client, calls } = fakeClient(() => ok({}));
    await extensionTask(client, pricer)({}, proc);
    expect(calls[0]?.input).toEqual({ currency: "EUR" });
  });

  it("writes a null output value back as null (it clears the variable)", async () => {
    const { client } = fakeClient(() => ok({ approved: null, price: 1 }));
    const next = await extensionTask(client, pricer)({ deal: { approved: true } }, proc);
    expect(next).toEqual({ deal: { approved: null }, doubled: 2 });
  });

  it("refuses a FEEL value that JSON cannot carry (a function), with the task and the expression", async () => {
    const task = defineExtensionTask({
      taskId: "fn",
      extensionId: "echo-hook",
      inputs: [{ source: "=function(x) x", target: "f" }],
    });
    const { client, calls } = fakeClient(() => ok({}));
    await expect(extensionTask(client, task)({}, proc)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
      details: { taskId: "fn", expression: "=function(x) x", field: "inputs[0].source" },
    });
    expect(calls).toHaveLength(0);
  });

  it("stops a FEEL expression that runs past FEEL_EVALUATION_TIMEOUT_MS (a loop, a catastrophic regex), before any RPC", async () => {
    const { client, calls } = fakeClient(() => ok({}));
    const sources = [
      "=count(for x in 1..100000 return for y in 1..100000 return y)",
      '=matches(s, "^(a+)+$")',
    ];
    for (const source of sources) {
      const task = defineExtensionTask({
        taskId: "slow",
        extensionId: "echo-hook",
        inputs: [{ source, target: "x" }],
      });
      const started = performance.now();
      await expect(
        extensionTask(client, task)({ s: `${"a".repeat(40)}!` }, proc),
        source,
      ).rejects.toMatchObject({
        code: "resource_exhausted",
        reason: "timeout",
        details: {
          taskId: "slow",
          expression: source,
          field: "inputs[0].source",
          limit: FEEL_EVALUATION_TIMEOUT_MS,
        },
      });
      expect(performance.now() - started).toBeLessThan(FEEL_EVALUATION_TIMEOUT_MS * 10);
    }
    expect(calls).toHaveLength(0);
  });

  it("bounds the mappings of one direction together: many slow expressions cannot each take the whole budget", async () => {
    const { client, calls } = fakeClient(() => ok({}));
    // Each takes a small share of the budget on its own (a few ms; 1..200 by 1..200 took ~150 ms, and past the
    // whole 500 ms budget in a warm-up run on a loaded 2-core machine); many of them take many budgets one by one.
    const slow = "=count(for x in 1..60 return for y in 1..60 return y)";
    const single = extensionTask(
      client,
      defineExtensionTask({
        taskId: "one",
        extensionId: "echo-hook",
        inputs: [{ source: slow, target: "x" }],
      }),
    );
    let each = Number.POSITIVE_INFINITY;
    for (let k = 0; k < 3; k++) {
      const one = performance.now();
      await single({}, proc);
      each = Math.min(each, performance.now() - one);
    }
    // Four budgets' worth of mappings, by the fastest of three warm runs: well past one budget together.
    const n = Math.ceil((FEEL_EVALUATION_TIMEOUT_MS * 4) / Math.max(each, 1)) + 1;
    const task = defineExtensionTask({
      taskId: "many",
      extensionId: "echo-hook",
      inputs: Array.from({ length: n }, (_, i) => ({ source: slow, target: `v${i}` })),
    });
    const started = performance.now();
    await expect(extensionTask(client, task)({}, proc)).rejects.toMatchObject({
      code: "resource_exhausted",
      reason: "timeout",
      details: { taskId: "many", limit: FEEL_EVALUATION_TIMEOUT_MS },
    });
    expect(performance.now() - started).toBeLessThan(FEEL_EVALUATION_TIMEOUT_MS * 2.5);
    expect(calls).toHaveLength(3);
  });

  it("refuses a FEEL value larger than MAX_FEEL_VALUE_BYTES as JSON, in an input and in an output mapping", async () => {
    const big = "x".repeat(MAX_FEEL_VALUE_BYTES);
    const input = defineExtensionTask({
      taskId: "big-in",
      extensionId: "echo-hook",
      inputs: [{ source: '=s + "y"', target: "x" }],
    });
    const { client, calls } = fakeClient(() => ok({ s: big }));
    await expect(extensionTask(client, input)({ s: big }, proc)).rejects.toMatchObject({
      code: "resource_exhausted",
      reason: "input_size",
      details: { taskId: "big-in", field: "inputs[0].source", limit: MAX_FEEL_VALUE_BYTES },
    });
    expect(calls).toHaveLength(0);
    const output = defineExtensionTask({
      taskId: "big-out",
      extensionId: "echo-hook",
      outputs: [{ source: "=s + s", target: "x" }],
    });
    await expect(extensionTask(client, output)({}, proc)).rejects.toMatchObject({
      code: "resource_exhausted",
      reason: "output_size",
      details: { taskId: "big-out", field: "outputs[0].source", limit: MAX_FEEL_VALUE_BYTES },
    });
  });

  it("writes no prototype: an output without mappings whose fields are __proto__ or constructor stays data", async () => {
    const { client } = fakeClient(() => ok(JSON.parse('{"__proto__": {"polluted": 1}, "price": 3}')));
    const task = defineExtensionTask({ taskId: "merge", extensionId: "echo-hook" });
    const out = await extensionTask(client, task)({ a: 1 }, proc);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("turns the guest's business error into a BpmnError whose code a boundary error event catches", async () => {
    const { client } = fakeClient(() => ({
      outcome: "business_error",
      businessError: { code: "MARGIN_TOO_LOW", message: "margin 2% < 5%", details: { margin: 0.02 } },
      resolvedVersion: "3",
      moduleSha256: "ab12",
      stats,
      logs: [],
    }));
    const p = extensionTask(client, pricer)({ deal: { amount: 1 } }, proc);
    await expect(p).rejects.toBeInstanceOf(BpmnError);
    const err = (await p.catch((e: unknown) => e)) as BpmnError;
    expect(err).toMatchObject({
      name: "BpmnError",
      code: "MARGIN_TOO_LOW",
      message: "margin 2% < 5%",
      details: { margin: 0.02 },
      taskId: "price-deal",
      extensionId: "deal-pricer",
      resolvedVersion: "3",
    });
    expect(isBpmnError(err)).toBe(true);
    expect(isRetryable(err)).toBe(false);
  });

  it("rethrows a technical error as the ExtensionError it is, with the task id added to its details", async () => {
    const { client } = fakeClient(() => {
      throw new ExtensionError("resource_exhausted", "fuel", "fuel", { limit: 10 });
    });
    const p = extensionTask(client, pricer)({}, proc);
    await expect(p).rejects.toMatchObject({
      name: "ExtensionError",
      code: "resource_exhausted",
      reason: "fuel",
      details: { limit: 10, taskId: "price-deal", extensionId: "deal-pricer" },
    });
    expect(isBpmnError(await p.catch((e: unknown) => e))).toBe(false);
  });
});

describe("isRetryable()", () => {
  it("is true only for unavailable and deadline_exceeded ExtensionErrors", () => {
    expect(isRetryable(new ExtensionError("unavailable", "down", "shutting_down"))).toBe(true);
    expect(isRetryable(new ExtensionError("deadline_exceeded", "slow", "timeout"))).toBe(true);
    expect(isRetryable({ name: "ExtensionError", code: "unavailable", message: "over the wire" })).toBe(true);
    for (const code of [
      "invalid_argument",
      "not_found",
      "permission_denied",
      "resource_exhausted",
      "internal",
    ] as const)
      expect(isRetryable(new ExtensionError(code, code)), code).toBe(false);
    expect(isRetryable(new BpmnError("X", "business"))).toBe(false);
    expect(isRetryable(new Error("plain"))).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
  });
});
