import { ActivityFailure, ApplicationFailure, RetryState } from "@temporalio/common";
import { describe, expect, it } from "vitest";
import { boundaryFor, businessErrorOf } from "./boundary-error.js";

const invalidDeal = ApplicationFailure.create({
  type: "INVALID_DEAL",
  message: "a deal needs `amount` and `marginPct`",
  nonRetryable: true,
});
// How a workflow sees the activity's failure.
const asWorkflowSeesIt = (cause: ApplicationFailure) =>
  new ActivityFailure("activity failed", "checkDeal", "1", RetryState.NON_RETRYABLE_FAILURE, "worker", cause);

describe("boundaryFor()", () => {
  it("catches INVALID_DEAL thrown by the activity function with the boundary event deal-invalid", () => {
    expect(boundaryFor(invalidDeal)).toEqual({
      event: "deal-invalid",
      error: { code: "INVALID_DEAL", message: "a deal needs `amount` and `marginPct`" },
    });
  });

  it("catches it as a workflow sees it, an ActivityFailure caused by the ApplicationFailure", () => {
    expect(boundaryFor(asWorkflowSeesIt(invalidDeal))?.event).toBe("deal-invalid");
  });

  it("catches a failure that crossed a boundary as plain data (by name, not instanceof)", () => {
    const data = { name: "ApplicationFailure", type: "INVALID_DEAL", nonRetryable: true, message: "m" };
    expect(boundaryFor(data)?.event).toBe("deal-invalid");
  });

  it("lets a business code no boundary event catches through", () => {
    const other = ApplicationFailure.create({ type: "CREDIT_HOLD", message: "hold", nonRetryable: true });
    expect(businessErrorOf(other)).toEqual({ code: "CREDIT_HOLD", message: "hold" });
    expect(boundaryFor(other)).toBeUndefined();
  });

  it.each([
    ["a technical failure", ApplicationFailure.create({ type: "ExtensionError", nonRetryable: true })],
    ["a retryable failure", ApplicationFailure.create({ type: "INVALID_DEAL", nonRetryable: false })],
    ["a plain Error", new Error("INVALID_DEAL")],
    ["a prototype name as the code", ApplicationFailure.create({ type: "constructor", nonRetryable: true })],
    ["not an error", "INVALID_DEAL"],
    ["null", null],
  ])("is not caught: %s", (_, err) => {
    expect(boundaryFor(err)).toBeUndefined();
  });
});
