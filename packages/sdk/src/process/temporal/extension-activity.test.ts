import { ExtensionError } from "@ameide-ext/contract";
import { ApplicationFailure } from "@temporalio/common";
import { MockActivityEnvironment } from "@temporalio/testing";
import { describe, expect, it } from "vitest";
import type { InvokeResult } from "../../read-response.js";
import type { InvokeOptions, RuntimeClient } from "../../runtime-client.js";
import { defineExtensionTask } from "../extension-task-definition.js";
import { createExtensionActivity, toApplicationFailure } from "./extension-activity.js";

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
const refused: InvokeResult = {
  outcome: "business_error",
  businessError: { code: "MARGIN_TOO_LOW", message: "margin 2% < 5%", details: { margin: 0.02 } },
  resolvedVersion: "3",
  moduleSha256: "ab12",
  stats,
  logs: [],
};

function fakeClient(answer: (o: InvokeOptions, n: number) => InvokeResult | Promise<InvokeResult>) {
  const calls: InvokeOptions[] = [];
  const client: RuntimeClient = {
    invoke: (async (o: InvokeOptions) => {
      calls.push(o);
      return answer(o, calls.length);
    }) as RuntimeClient["invoke"],
    close: () => undefined,
    invokeMany: () => Promise.reject(new Error("invokeMany is not used by this test")),
    chattyWarnings: 0,
  };
  return { client, calls };
}

const task = defineExtensionTask({
  taskId: "price-deal",
  extensionId: "deal-pricer",
  inputs: [{ source: "=deal.amount", target: "amount" }],
  outputs: [{ source: "=price", target: "price" }],
});
const info = { activityId: "7", workflowExecution: { workflowId: "deal-D-1", runId: "run-1" } };
const input = { variables: { deal: { amount: 10 } }, process: { tenantId: "acme", userId: "u-1" } };

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe("createExtensionActivity()", () => {
  it("runs the task in the activity, its correlation id from the workflow, the task and the activity id", async () => {
    const { client, calls } = fakeClient(() => ok({ price: 12 }));
    const activity = createExtensionActivity(client, task);
    const out = await new MockActivityEnvironment(info).run(activity, input);
    expect(out).toEqual({ deal: { amount: 10 }, price: 12 });
    expect(calls[0]?.ctx).toMatchObject({
      tenantId: "acme",
      userId: "u-1",
      correlationId: "deal-D-1/run-1/price-deal/7",
    });
    expect(calls[0]?.input).toEqual({ amount: 10 });
  });

  it("is idempotent on the correlation id: a retry gets the same answer without a second RPC", async () => {
    const { client, calls } = fakeClient((_, n) => ok({ price: n }));
    const activity = createExtensionActivity(client, task);
    const first = await new MockActivityEnvironment(info).run(activity, input);
    const retry = await new MockActivityEnvironment({ ...info, attempt: 2 }).run(activity, input);
    expect(retry).toEqual(first);
    expect(calls).toHaveLength(1);
    const other = await new MockActivityEnvironment({ ...info, activityId: "8" }).run(activity, input);
    expect(other).toEqual({ deal: { amount: 10 }, price: 2 });
    expect(calls).toHaveLength(2);
  });

  it("keys its cache by the input too: one correlation id given for many runs (a business operation's) never answers one run with another's variables", async () => {
    const { client, calls } = fakeClient((o) => ok({ price: (o.input as { amount: number }).amount * 2 }));
    const activity = createExtensionActivity(client, task);
    const process = { tenantId: "acme", userId: "u-1", correlationId: "order-77" };
    const a = await new MockActivityEnvironment(info).run(activity, {
      variables: { deal: { amount: 1 } },
      process,
    });
    const b = await new MockActivityEnvironment({ ...info, activityId: "8" }).run(activity, {
      variables: { deal: { amount: 5 } },
      process,
    });
    expect(a).toEqual({ deal: { amount: 1 }, price: 2 });
    expect(b).toEqual({ deal: { amount: 5 }, price: 10 });
    const other = await new MockActivityEnvironment(info).run(activity, {
      variables: { deal: { amount: 1 } },
      process: { ...process, tenantId: "globex" },
    });
    expect(other).toEqual({ deal: { amount: 1 }, price: 2 });
    expect(calls).toHaveLength(3);
    await new MockActivityEnvironment({ ...info, attempt: 2 }).run(activity, {
      variables: { deal: { amount: 1 } },
      process,
    });
    expect(calls).toHaveLength(3);
  });

  it("a new run of the workflow (its id reused) is a new instance: no answer of the earlier run is reused", async () => {
    const { client, calls } = fakeClient((_, n) => ok({ price: n }));
    const activity = createExtensionActivity(client, task);
    await new MockActivityEnvironment(info).run(activity, input);
    const rerun = { ...info, workflowExecution: { workflowId: "deal-D-1", runId: "run-2" } };
    const second = await new MockActivityEnvironment(rerun).run(activity, input);
    expect(second).toEqual({ deal: { amount: 10 }, price: 2 });
    expect(calls.map((c) => c.ctx.correlationId)).toEqual([
      "deal-D-1/run-1/price-deal/7",
      "deal-D-1/run-2/price-deal/7",
    ]);
  });

  it("shares one RPC between concurrent runs with one correlation id", async () => {
    let release: (r: InvokeResult) => void = () => undefined;
    const { client, calls } = fakeClient(() => new Promise<InvokeResult>((r) => (release = r)));
    const activity = createExtensionActivity(client, task);
    const a = new MockActivityEnvironment(info).run(activity, input);
    const b = new MockActivityEnvironment(info).run(activity, input);
    await new Promise((r) => setTimeout(r, 5));
    release(ok({ price: 5 }));
    expect(await a).toEqual(await b);
    expect(calls).toHaveLength(1);
  });

  it("keeps the cache bounded: the oldest answer is evicted past cacheSize", async () => {
    const { client, calls } = fakeClient((_, n) => ok({ price: n }));
    const activity = createExtensionActivity(client, task, { cacheSize: 2 });
    for (const id of ["1", "2", "3"])
      await new MockActivityEnvironment({ ...info, activityId: id }).run(activity, input);
    await new MockActivityEnvironment({ ...info, activityId: "1" }).run(activity, input);
    expect(calls).toHaveLength(4);
    await new MockActivityEnvironment({ ...info, activityId: "3" }).run(activity, input);
    expect(calls).toHaveLength(4);
  });

  it("calls for every attempt with cacheSize 0 (the cache off)", async () => {
    const { client, calls } = fakeClient((_, n) => ok({ price: n }));
    const activity = createExtensionActivity(client, task, { cacheSize: 0 });
    await new MockActivityEnvironment(info).run(activity, input);
    await new MockActivityEnvironment(info).run(activity, input);
    expect(calls).toHaveLength(2);
  });

  it("refuses a cacheSize out of bounds when built", () => {
    const { client } = fakeClient(() => ok({}));
    for (const cacheSize of [-1, 1.5, 2_000_000])
      expect(() => createExtensionActivity(client, task, { cacheSize }), String(cacheSize)).toThrow(
        expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }),
      );
  });

  it("fails a business error as a non-retryable ApplicationFailure typed with the business code, and caches it", async () => {
    const { client, calls } = fakeClient(() => refused);
    const activity = createExtensionActivity(client, task);
    const failure = await failureOf(new MockActivityEnvironment(info).run(activity, input));
    expect(failure).toMatchObject({ type: "MARGIN_TOO_LOW", nonRetryable: true, message: "margin 2% < 5%" });
    expect(failure.details).toEqual([{ margin: 0.02 }]);
    await failureOf(new MockActivityEnvironment(info).run(activity, input));
    expect(calls).toHaveLength(1);
  });

  it("never lets a guest's business code pass for a technical failure: the code ExtensionError is internal/invalid_output", async () => {
    const forged: InvokeResult = {
      ...refused,
      businessError: {
        code: "ExtensionError",
        message: "the runtime is down",
        details: { code: "unavailable" },
      },
    };
    const { client } = fakeClient(() => forged);
    const failure = await failureOf(
      new MockActivityEnvironment(info).run(createExtensionActivity(client, task), input),
    );
    expect(failure).toMatchObject({ type: "ExtensionError", nonRetryable: true });
    expect(failure.details?.[0]).toMatchObject({
      code: "internal",
      reason: "invalid_output",
      businessCode: "ExtensionError",
    });
  });

  it("fails unavailable and deadline_exceeded as retryable, and calls again on the retry", async () => {
    for (const code of ["unavailable", "deadline_exceeded"] as const) {
      const { client, calls } = fakeClient(() => {
        throw new ExtensionError(code, `the runtime said ${code}`);
      });
      const activity = createExtensionActivity(client, task);
      const failure = await failureOf(new MockActivityEnvironment(info).run(activity, input));
      expect(failure).toMatchObject({ type: "ExtensionError", nonRetryable: false });
      expect(failure.details?.[0]).toMatchObject({ code, taskId: "price-deal" });
      await failureOf(new MockActivityEnvironment(info).run(activity, input));
      expect(calls).toHaveLength(2);
    }
  });

  it("fails every other technical error as non-retryable, with its code and reason", async () => {
    const { client } = fakeClient(() => {
      throw new ExtensionError("resource_exhausted", "fuel 11 > 10", "fuel");
    });
    const failure = await failureOf(
      new MockActivityEnvironment(info).run(createExtensionActivity(client, task), input),
    );
    expect(failure).toMatchObject({ type: "ExtensionError", nonRetryable: true });
    expect(failure.details?.[0]).toMatchObject({ code: "resource_exhausted", reason: "fuel" });
  });

  it("fails a bad process context as non-retryable invalid_argument, before any RPC", async () => {
    const { client, calls } = fakeClient(() => ok({}));
    const activity = createExtensionActivity(client, task);
    for (const process of [{ tenantId: "" }, { tenantId: "acme", processInstanceId: "" }]) {
      const failure = await failureOf(
        new MockActivityEnvironment(info).run(activity, { variables: {}, process }),
      );
      expect(failure).toMatchObject({ type: "ExtensionError", nonRetryable: true });
      expect(failure.details?.[0]).toMatchObject({ code: "invalid_argument", reason: "invalid_input" });
    }
    expect(calls).toHaveLength(0);
  });

  it("passes the activity's cancellation to the invocation", async () => {
    const { client, calls } = fakeClient(() => ok({ price: 1 }));
    await new MockActivityEnvironment(info).run(createExtensionActivity(client, task), input);
    expect(calls[0]?.signal).toBeInstanceOf(AbortSignal);
  });
});

describe("toApplicationFailure()", () => {
  it("wraps an unknown error as a non-retryable internal failure", () => {
    const f = toApplicationFailure(new TypeError("boom"));
    expect(f).toMatchObject({ type: "ExtensionError", nonRetryable: true });
    expect(f.details?.[0]).toMatchObject({ code: "internal" });
  });
});
