// The deal coach without a runtime: the scripted planner's choices, the answers it writes, and the calls it
// makes through a real extensionTool (the hook's own manifest, so ajv checks the real schema) over a runtime
// double that answers what the hook would.
import { ExtensionError } from "@ameide-ext/contract";
import type { InvokeOptions, InvokeResult, RuntimeClient } from "@ameide-ext/sdk";
import { type AuditRecord, createToolset, extensionTool, type McpTool } from "@ameide-ext/sdk/agent";
import { beforeAll, describe, expect, it } from "vitest";
import { createDealCoach, type DealCoach } from "./deal-coach.js";
import type { Opportunity } from "./opportunity.js";
import { readToolManifest } from "./opportunity-risk-hook.js";
import { fillArguments, planTurn } from "./scripted-planner.js";

const stalled: Opportunity = {
  id: "OPP-101",
  name: "Acme, 3-year renewal",
  amount: 320_000,
  currency: "EUR",
  stage: "negotiation",
  daysInStage: 25,
  discountPct: 25,
  competitor: "Globex CRM",
};
const healthy: Opportunity = {
  id: "OPP-103",
  name: "Initech, pilot",
  amount: 40_000,
  currency: "USD",
  stage: "qualification",
  daysInStage: 7,
  discountPct: 5,
  champion: "Dana Ito",
};

const score = {
  opportunityId: "OPP-101",
  score: 94,
  band: "high",
  factors: [
    { name: "stalled", value: 25, points: 30, advice: "agree a dated next step with the buyer" },
    { name: "no_champion", value: 1, points: 20, advice: "find a sponsor" },
  ],
  recommendation: "agree a dated next step with the buyer",
};

const ok = (output: unknown): InvokeResult => ({
  outcome: "ok",
  output,
  resolvedVersion: "1",
  moduleSha256: "ab".repeat(32),
  stats: {
    fuelUsed: 1000,
    fuelLimit: 30_000_000,
    peakMemoryBytes: 65536,
    memoryLimitBytes: 16 << 20,
    durationUs: 20,
    hostCalls: 0,
    outputBytes: 10,
  },
  logs: [],
});

/** A runtime double: answers from `respond`, keeps every request. */
function fakeRuntime(respond: (o: InvokeOptions) => InvokeResult) {
  const calls: InvokeOptions[] = [];
  const client: RuntimeClient = {
    invoke: async <O, I>(o: InvokeOptions<I>) => {
      calls.push(o as InvokeOptions);
      return respond(o as InvokeOptions) as InvokeResult<O>;
    },
    close: () => {},
    invokeMany: () => Promise.reject(new Error("invokeMany is not used by this test")),
    chattyWarnings: 0,
  };
  return { client, calls };
}

const otherTool: McpTool = {
  name: "margin-check",
  description: "Checks a quote's margin against the price list.",
  inputSchema: { type: "object", properties: { quoteId: { type: "string" } } },
};

describe("planTurn()", () => {
  let riskTool: McpTool;
  beforeAll(async () => {
    const { client } = fakeRuntime(() => ok(score));
    riskTool = extensionTool(client, await readToolManifest()).mcp;
  });

  it("picks the tool whose descriptor speaks of risk, among others, and fills its arguments from the deal", () => {
    const plan = planTurn("Is OPP-101 at risk of slipping?", stalled, [otherTool, riskTool]);
    expect(plan).toEqual({
      kind: "call",
      tool: "opportunity-risk",
      args: {
        opportunityId: "OPP-101",
        amount: 320_000,
        stage: "negotiation",
        daysInStage: 25,
        discountPct: 25,
        hasChampion: false,
        competitor: "Globex CRM",
      },
    });
  });

  it("leaves out what the tool's schema does not name, and what the deal does not have", () => {
    const plan = planTurn("What should I do next to close it?", healthy, [riskTool]);
    expect(plan.kind === "call" && plan.args).toStrictEqual({
      opportunityId: "OPP-103",
      amount: 40_000,
      stage: "qualification",
      daysInStage: 7,
      discountPct: 5,
      hasChampion: true,
    });
    expect(fillArguments(otherTool, { quoteId: "Q-1", amount: 5 })).toEqual({ quoteId: "Q-1" });
    expect(fillArguments({ ...otherTool, inputSchema: { type: "object" } }, { quoteId: "Q-1" })).toEqual({});
  });

  it("answers in words a question that is not about a deal's risk, and says when no tool scores risk", () => {
    expect(planTurn("Who owns this account?", stalled, [riskTool])).toMatchObject({ kind: "answer" });
    const none = planTurn("Is it at risk?", stalled, [otherTool]);
    expect(none).toMatchObject({ kind: "answer" });
    expect(none.kind === "answer" && none.text).toContain("margin-check");
  });

  it("is deterministic: the same question, deal and tools give the same plan", () => {
    const q = "Are we going to lose OPP-101?";
    expect(planTurn(q, stalled, [otherTool, riskTool])).toEqual(planTurn(q, stalled, [otherTool, riskTool]));
  });
});

describe("createDealCoach()", () => {
  const make = async (respond: (o: InvokeOptions) => InvokeResult) => {
    const runtime = fakeRuntime(respond);
    const records: AuditRecord[] = [];
    const tool = extensionTool(runtime.client, await readToolManifest(), {
      audit: { write: (r) => void records.push(r) },
    });
    const coach: DealCoach = createDealCoach({
      tools: createToolset([tool]),
      tenantId: "acme",
      conversationId: "conv-1",
    });
    return { coach, records, calls: runtime.calls };
  };

  it("calls the tool on behalf of the agent, one correlation id per turn, and answers from its result", async () => {
    const { coach, calls, records } = await make(() => ok(score));
    const first = await coach.ask("Is OPP-101 at risk of slipping?", stalled);
    const second = await coach.ask("What should I do next to close OPP-101?", stalled);
    expect(calls.map((c) => [c.extensionId, c.version, c.ctx])).toEqual([
      [
        "opportunity-risk",
        "1",
        { tenantId: "acme", userId: "deal-coach", actorType: "AGENT", correlationId: "conv-1.turn-1" },
      ],
      [
        "opportunity-risk",
        "1",
        { tenantId: "acme", userId: "deal-coach", actorType: "AGENT", correlationId: "conv-1.turn-2" },
      ],
    ]);
    expect(records.map((r) => [r.toolCallId, r.outcome])).toEqual([
      ["conv-1.turn-1.call-1", "ok"],
      ["conv-1.turn-2.call-1", "ok"],
    ]);
    expect(first.answer).toBe(
      "OPP-101 (Acme, 3-year renewal) is at high risk, 94/100; what weighs most: stalled (30), no champion (20). Next step: agree a dated next step with the buyer.",
    );
    expect(second.answer).toMatch(/^Next step for OPP-101 \(Acme, 3-year renewal\): agree a dated next step/);
  });

  it("refuses a deal whose record breaks the tool's schema without an RPC, says why, and audits it", async () => {
    const { coach, calls, records } = await make(() => ok(score));
    const hostile = { ...stalled, daysInStage: -3, discountPct: 150 } as Opportunity;
    const turn = await coach.ask("Is OPP-101 at risk?", hostile);
    expect(calls).toHaveLength(0);
    expect(turn.toolResult).toMatchObject({
      isError: true,
      error: { kind: "invalid_arguments", code: "invalid_argument", reason: "invalid_input" },
    });
    expect(turn.answer).toMatch(/^I could not score OPP-101 .*\/daysInStage must be >= 0.*Fix the record/);
    expect(records.map((r) => [r.outcome, r.resolvedVersion, r.moduleSha256])).toEqual([
      ["invalid_arguments", "", ""],
    ]);
  });

  it("refuses a record too large to read (a 300 KB competitor name) as input_size, without an RPC", async () => {
    const { coach, calls, records } = await make(() => ok(score));
    const turn = await coach.ask("Is OPP-101 at risk?", { ...stalled, competitor: "x".repeat(300_000) });
    expect(calls).toHaveLength(0);
    expect(turn.toolResult).toMatchObject({
      isError: true,
      error: { code: "invalid_argument", reason: "input_size" },
    });
    expect(turn.answer).toMatch(/^I could not score OPP-101 .*Fix the record/);
    expect(records.map((r) => [r.outcome, r.error?.reason, r.input])).toEqual([
      ["invalid_arguments", "input_size", undefined],
    ]);
  });

  it("quotes the tool's business error, and lets a technical error through to the agent's host", async () => {
    const closed = await make(() => ({
      ...ok(null),
      outcome: "business_error",
      businessError: { code: "OPPORTUNITY_CLOSED", message: "opportunity OPP-101 is closed_won" },
    }));
    const turn = await closed.coach.ask("Is OPP-101 at risk?", { ...stalled, stage: "closed_won" });
    expect(turn.answer).toBe(
      "I could not score OPP-101 (Acme, 3-year renewal): opportunity OPP-101 is closed_won (OPPORTUNITY_CLOSED).",
    );
    const down = await make(() => {
      throw new ExtensionError("unavailable", "the runtime is down", "host_call_failed");
    });
    await expect(down.coach.ask("Is OPP-101 at risk?", stalled)).rejects.toMatchObject({
      code: "unavailable",
    });
    expect(down.records.map((r) => r.outcome)).toEqual(["technical_error"]);
  });

  it("answers a question it has no plan for without calling anything", async () => {
    const { coach, calls } = await make(() => ok(score));
    const turn = await coach.ask("Who owns this account?", stalled);
    expect(turn).toMatchObject({ turn: 1, plan: { kind: "answer" } });
    expect(turn.toolResult).toBeUndefined();
    expect(calls).toHaveLength(0);
  });
});
