// The L2O activities in @temporalio/testing's MockActivityEnvironment, over a stand-in runtime client (a
// unit test: the e2e against a real runtime service is l2o-process.e2e.test.ts).
import type { InvokeOptions, InvokeResult, RuntimeClient } from "@ameide-ext/sdk";
import { ApplicationFailure } from "@temporalio/common";
import { MockActivityEnvironment } from "@temporalio/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { createL2oActivities, type L2oActivities } from "./activities.js";
import { runL2oFlow } from "./l2o-flow.js";
import { readCheckDeal, readL2oBpmn } from "./read-check-deal.js";

const stats = {
  fuelUsed: 1,
  fuelLimit: 10,
  peakMemoryBytes: 0,
  memoryLimitBytes: 0,
  durationUs: 1,
  outputBytes: 2,
  hostCalls: 0,
};
const answer = (r: Partial<InvokeResult>): InvokeResult =>
  ({ outcome: "ok", resolvedVersion: "1", moduleSha256: "ab", stats, logs: [], ...r }) as InvokeResult;

function fakeClient(reply: (o: InvokeOptions) => InvokeResult) {
  const calls: InvokeOptions[] = [];
  const client: RuntimeClient = {
    invoke: (async (o: InvokeOptions) => {
      calls.push(o);
      return reply(o);
    }) as RuntimeClient["invoke"],
    close: () => undefined,
    invokeMany: () => Promise.reject(new Error("invokeMany is not used by this test")),
    chattyWarnings: 0,
  };
  return { client, calls };
}

const info = { activityId: "1", workflowExecution: { workflowId: "l2o-D-1042", runId: "r-1" } };
const process = { tenantId: "acme", userId: "u-42" };
const deal = { id: "D-1042", amount: 72_000, margin: 0.085, currency: "EUR" };

describe("createL2oActivities()", () => {
  let checkDealTask: Awaited<ReturnType<typeof readCheckDeal>>;
  beforeAll(async () => {
    checkDealTask = await readCheckDeal(await readL2oBpmn());
  });

  it("checkDeal sends the BPMN's input mappings of the deal, in the workflow's context", async () => {
    const { client, calls } = fakeClient(() =>
      answer({ output: { route: "extra_approval", reasons: ["amount>50000", "margin<10"] } }),
    );
    const { checkDeal } = createL2oActivities(client, checkDealTask);
    const out = await new MockActivityEnvironment(info).run(checkDeal, { variables: { deal }, process });
    expect(calls[0]).toMatchObject({
      extensionId: "deal-approval",
      version: "latest",
      input: { dealId: "D-1042", amount: 72_000, marginPct: 8.5, currency: "EUR" },
      ctx: { tenantId: "acme", userId: "u-42", correlationId: "l2o-D-1042/r-1/check-deal/1" },
    });
    expect(out).toEqual({
      deal,
      approval: { route: "extra_approval", reasons: ["amount>50000", "margin<10"] },
    });
  });

  it("checkDeal turns the extension's INVALID_DEAL into the non-retryable failure the boundary event catches", async () => {
    const { client } = fakeClient(() =>
      answer({ outcome: "business_error", businessError: { code: "INVALID_DEAL", message: "no margin" } }),
    );
    const activities: L2oActivities = createL2oActivities(client, checkDealTask);
    const env = new MockActivityEnvironment(info);
    const err = await env
      .run(activities.checkDeal, { variables: { deal }, process })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: "INVALID_DEAL", nonRetryable: true });

    const run = await runL2oFlow(
      { deal, process },
      { checkDeal: (input) => env.run(activities.checkDeal, input), userTask: async (_, v) => v },
    );
    expect(run).toMatchObject({ end: "deal-returned", refusal: { code: "INVALID_DEAL" } });
  });

  it("a retried attempt of one scheduled activity gets the same answer without a second call", async () => {
    const { client, calls } = fakeClient(() => answer({ output: { route: "standard", reasons: [] } }));
    const { checkDeal } = createL2oActivities(client, checkDealTask);
    const attempt = () => new MockActivityEnvironment(info).run(checkDeal, { variables: { deal }, process });
    expect(await attempt()).toEqual(await attempt());
    expect(calls).toHaveLength(1);
  });
});
