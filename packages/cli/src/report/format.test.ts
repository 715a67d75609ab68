import { describe, expect, it } from "vitest";
import { bar, percent } from "./format.js";

describe("bar()", () => {
  it("fills one cell per tenth", () => {
    expect(bar(0.12)).toBe("▇░░░░░░░░░");
    expect(bar(1)).toBe("▇▇▇▇▇▇▇▇▇▇");
    expect(bar(0)).toBe("░░░░░░░░░░");
  });

  it("shows a use too small for a cell as a thin mark", () => {
    expect(bar(0.001)).toBe("▏░░░░░░░░░");
  });
});

describe("percent()", () => {
  it("keeps one decimal under 10%", () => {
    expect([percent(0.0004), percent(0.0071), percent(0.857), percent(1)]).toEqual([
      "<0.1%",
      "0.7%",
      "85%",
      "100%",
    ]);
  });
});
