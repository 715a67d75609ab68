// The workflow function with @temporalio/workflow's API stood in for (a unit test: no Temporal server here):
// the activity it schedules and how, and user tasks that wait for the completeUserTask signal.
import { ActivityFailure, ApplicationFailure, RetryState } from "@temporalio/common";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { completeUserTaskSignal, l2oDealApproval, waitingAtQuery } from "./workflows.js";

const h = vi.hoisted(() => ({
  activityOptions: [] as unknown[],
  handlers: new Map<string, (...args: unknown[]) => unknown>(),
  checkDeal: (async () => ({})) as (input: { variables: Record<string, unknown> }) => Promise<unknown>,
}));

vi.mock("@temporalio/workflow", () => ({
  proxyActivities: (options: unknown) => {
    h.activityOptions.push(options);
    return { checkDeal: (input: { variables: Record<string, unknown> }) => h.checkDeal(input) };
  },
  defineSignal: (name: string) => ({ type: "signal", name }),
  defineQuery: (name: string) => ({ type: "query", name }),
  setHandler: (def: { name: string }, fn: (...args: unknown[]) => unknown) => h.handlers.set(def.name, fn),
  condition: async (done: () => boolean) => {
    while (!done()) await new Promise((r) => setTimeout(r, 1));
  },
}));

const input = { deal: { id: "D-1042", amount: 72_000, margin: 0.085 }, process: { tenantId: "acme" } };
const answering = (route: string) => async (i: { variables: Record<string, unknown> }) => ({
  ...i.variables,
  approval: { route },
});
const signal = (arg: unknown) => h.handlers.get(completeUserTaskSignal.name)?.(arg);
const waitingAt = () => h.handlers.get(waitingAtQuery.name)?.();

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !done(); i++) await new Promise((r) => setTimeout(r, 1));
}

describe("l2oDealApproval()", () => {
  beforeEach(() => h.handlers.clear());

  it("schedules the Extension Task with a start-to-close timeout and no heartbeat (a short call)", () => {
    expect(h.activityOptions).toEqual([
      expect.objectContaining({ startToCloseTimeout: "30 seconds", retry: expect.any(Object) }),
    ]);
    expect(h.activityOptions[0]).not.toHaveProperty("heartbeatTimeout");
  });

  it("approves a standard deal without waiting", async () => {
    h.checkDeal = answering("standard");
    const run = await l2oDealApproval(input);
    expect(run.path).toEqual(["deal-submitted", "check-deal", "route-deal", "deal-approved"]);
  });

  it("waits at extra-approval until the completeUserTask signal, then approves with its variables", async () => {
    h.checkDeal = answering("extra_approval");
    let done = false;
    const p = l2oDealApproval(input).finally(() => {
      done = true;
    });
    await until(() => waitingAt() === "extra-approval");
    expect(waitingAt()).toBe("extra-approval");
    signal({ taskId: "fix-deal" }); // another task's completion does not release this one
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    signal({ taskId: "extra-approval", variables: { approvedBy: "cfo" } });
    const run = await p;
    expect(run).toMatchObject({ end: "deal-approved", variables: { approvedBy: "cfo" } });
    expect(waitingAt()).toBeNull();
  });

  it("ignores a completion for a user task the instance does not wait at (yet): no approval ahead of the check", async () => {
    let release: () => void = () => undefined;
    h.checkDeal = (i) =>
      new Promise((done) => {
        release = () => done({ ...i.variables, approval: { route: "extra_approval" } });
      });
    let done = false;
    const p = l2oDealApproval(input).finally(() => {
      done = true;
    });
    await until(() => h.handlers.has(completeUserTaskSignal.name));
    signal({ taskId: "extra-approval", variables: { approvedBy: "too-early" } });
    release();
    await until(() => waitingAt() === "extra-approval");
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    signal({ taskId: "extra-approval", variables: { approvedBy: "cfo" } });
    expect((await p).variables).toMatchObject({ approvedBy: "cfo" });
  });

  it("catches INVALID_DEAL as the workflow sees it (ActivityFailure) and waits at fix-deal", async () => {
    h.checkDeal = async () => {
      const cause = ApplicationFailure.create({
        type: "INVALID_DEAL",
        message: "no margin",
        nonRetryable: true,
      });
      throw new ActivityFailure("failed", "checkDeal", "1", RetryState.NON_RETRYABLE_FAILURE, "w", cause);
    };
    const p = l2oDealApproval(input);
    await until(() => waitingAt() === "fix-deal");
    signal({ taskId: "fix-deal" });
    expect(await p).toMatchObject({
      path: ["deal-submitted", "check-deal", "deal-invalid", "fix-deal", "deal-returned"],
      refusal: { code: "INVALID_DEAL" },
    });
  });
});
