import { ApplicationFailure } from "@temporalio/common";
import { describe, expect, it } from "vitest";
import { type L2oSteps, runL2oFlow } from "./l2o-flow.js";

const input = { deal: { id: "D-1", amount: 100, margin: 0.2 }, process: { tenantId: "acme", userId: "u-1" } };

// A fake engine: the Extension Task answers `answer`, each user task is recorded and completed.
function steps(answer: () => Promise<Record<string, unknown>>) {
  const userTasks: string[] = [];
  const s: L2oSteps = {
    checkDeal: async ({ variables }) => ({ ...variables, ...(await answer()) }),
    userTask: async (taskId, variables) => {
      userTasks.push(taskId);
      return { ...variables, [`${taskId}-done`]: true };
    },
  };
  return { s, userTasks };
}

describe("runL2oFlow()", () => {
  it("takes the standard path: no user task", async () => {
    const { s, userTasks } = steps(async () => ({ approval: { route: "standard" } }));
    const run = await runL2oFlow(input, s);
    expect(run.path).toEqual(["deal-submitted", "check-deal", "route-deal", "deal-approved"]);
    expect(run).toMatchObject({ end: "deal-approved", variables: { deal: input.deal } });
    expect(userTasks).toEqual([]);
  });

  it("takes the extra approval path: waits for the user task, then approves", async () => {
    const { s, userTasks } = steps(async () => ({ approval: { route: "extra_approval" } }));
    const run = await runL2oFlow(input, s);
    expect(run.path).toEqual([
      "deal-submitted",
      "check-deal",
      "route-deal",
      "extra-approval",
      "deal-approved",
    ]);
    expect(userTasks).toEqual(["extra-approval"]);
    expect(run.variables).toMatchObject({ "extra-approval-done": true });
  });

  it("takes the boundary error path on INVALID_DEAL: fix the deal, returned to sales", async () => {
    const { s, userTasks } = steps(async () => {
      throw ApplicationFailure.create({ type: "INVALID_DEAL", message: "no margin", nonRetryable: true });
    });
    const run = await runL2oFlow(input, s);
    expect(run.path).toEqual(["deal-submitted", "check-deal", "deal-invalid", "fix-deal", "deal-returned"]);
    expect(run).toMatchObject({
      end: "deal-returned",
      refusal: { code: "INVALID_DEAL", message: "no margin" },
    });
    expect(userTasks).toEqual(["fix-deal"]);
    expect(run.variables).toMatchObject({ refusal: { code: "INVALID_DEAL" } });
  });

  it("fails the instance on a technical failure: no boundary event catches it", async () => {
    const technical = ApplicationFailure.create({
      type: "ExtensionError",
      nonRetryable: true,
      details: [{ code: "not_found" }],
    });
    const { s, userTasks } = steps(async () => {
      throw technical;
    });
    await expect(runL2oFlow(input, s)).rejects.toBe(technical);
    expect(userTasks).toEqual([]);
  });

  it("fails the instance when the extension answers a route the gateway has no flow for", async () => {
    const { s } = steps(async () => ({ approval: { route: "fast_track" } }));
    await expect(runL2oFlow(input, s)).rejects.toMatchObject({
      type: "ExtensionError",
      nonRetryable: true,
      details: [{ code: "internal", reason: "invalid_output", value: "fast_track" }],
    });
  });

  it("passes the deal as the variable `deal` and the process context to the activity", async () => {
    const seen: unknown[] = [];
    const { s } = steps(async () => ({ approval: { route: "standard" } }));
    await runL2oFlow(input, {
      ...s,
      checkDeal: async (a) => {
        seen.push(a);
        return s.checkDeal(a);
      },
    });
    expect(seen).toEqual([{ variables: { deal: input.deal }, process: input.process }]);
  });
});
