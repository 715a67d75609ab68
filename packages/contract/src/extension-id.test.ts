import { describe, expect, it } from "vitest";
import { EXTENSION_ID_LENGTH, isExtensionId } from "./extension-id.js";

describe("isExtensionId()", () => {
  it("accepts lowercase kebab-case ids of 3 to 64 characters that start with a letter", () => {
    for (const id of ["deal-pricer", "abc", "tax2-eu", "a".repeat(EXTENSION_ID_LENGTH.max)])
      expect(isExtensionId(id), id).toBe(true);
  });

  it("refuses upper case, leading digits or dashes, doubled or trailing dashes, and lengths out of bounds", () => {
    for (const id of [
      "Deal",
      "1deal",
      "-deal",
      "deal--pricer",
      "deal-",
      "ab",
      "a".repeat(65),
      "deal_pricer",
      "",
    ])
      expect(isExtensionId(id), id).toBe(false);
    expect(isExtensionId(42)).toBe(false);
  });
});
