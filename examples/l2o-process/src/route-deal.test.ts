import { ApplicationFailure } from "@temporalio/common";
import { describe, expect, it } from "vitest";
import { routeDeal } from "./route-deal.js";

function failureOf(run: () => unknown): ApplicationFailure {
  try {
    run();
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error("routeDeal did not throw");
}

describe("routeDeal()", () => {
  it("sends extra_approval to the extra approval user task", () => {
    expect(routeDeal({ approval: { route: "extra_approval", reasons: ["margin<10"] } })).toBe(
      "extra-approval",
    );
  });

  it("sends standard straight to the approved end event", () => {
    expect(routeDeal({ approval: { route: "standard" } })).toBe("deal-approved");
  });

  it.each([
    ["an unknown route", { approval: { route: "fast_track" } }, "fast_track"],
    ["no approval", { deal: { id: "D-1" } }, null],
    ["a route that is not a string", { approval: { route: 7 } }, 7],
    ["a prototype name", { approval: { route: "toString" } }, "toString"],
    ["approval that is not an object", { approval: "standard" }, null],
  ])(
    "refuses %s: a non-retryable internal/invalid_output failure naming the value",
    (_, variables, value) => {
      const failure = failureOf(() => routeDeal(variables));
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: "ExtensionError", nonRetryable: true });
      expect(failure.details?.[0]).toMatchObject({
        code: "internal",
        reason: "invalid_output",
        gatewayId: "route-deal",
        field: "approval.route",
        value,
      });
    },
  );
});
