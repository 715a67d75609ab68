import { describe, expect, it } from "vitest";
import { compareVersions } from "./compare-versions.js";

describe("compareVersions()", () => {
  it("orders runs of digits as numbers, not as text", () => {
    const sorted = ["10", "9", "2", "1.10", "1.9", "1", "03"].sort(compareVersions);
    expect(sorted).toEqual(["1", "1.9", "1.10", "2", "03", "9", "10"]);
  });

  it("treats leading zeros as the same number and a longer version as later", () => {
    expect(compareVersions("03", "3")).toBe(0);
    expect(compareVersions("2", "2.1")).toBeLessThan(0);
    expect(compareVersions("2-rc", "2-rc2")).toBeLessThan(0);
  });
});
