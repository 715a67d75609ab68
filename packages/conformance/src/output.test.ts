import { afterAll, describe, expect, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";
import { expectTechnicalError } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

describe.each(MODES)("output (%s)", (mode) => {
  it("refuses huge-output.wat's 1 MiB output with resource_exhausted/output_size", async () => {
    const ext = await h.load("huge-output");
    const r = await h.invoke(mode, ext, { input: "null" });
    expectTechnicalError(r, "resource_exhausted", "output_size");
    await h.expectHealthy(mode);
  });

  it.each([
    ["not-json-output", "an ok output that is not JSON"],
    ["malformed-business-error", "an err payload that is not a business error"],
    ["bad-discriminant", "a result discriminant that is neither ok nor err"],
    ["out-of-bounds-output", "an output pointer past the end of memory"],
    ["invalid-utf8-output", "an output that is not UTF-8"],
  ])("reports %s.wat (%s) as internal/invalid_output", async (name) => {
    const ext = await h.load(name);
    const r = await h.invoke(mode, ext, { input: "null" });
    expectTechnicalError(r, "internal", "invalid_output");
    await h.expectHealthy(mode);
  });

  it("returns business-error.wat's error as a business_error with the guest's code, message and details", async () => {
    const ext = await h.load("business-error");
    const r = await h.invoke(mode, ext, { input: "null" });
    expect(r.outcome).toBe("business_error");
    expect(r.error).toBeUndefined();
    expect(r.output).toBeUndefined();
    expect(r.businessError).toEqual({
      code: "OUT_OF_STOCK",
      message: "sku A1 is out of stock",
      details: { sku: "A1", available: 0 },
    });
    await h.expectHealthy(mode);
  });
});
