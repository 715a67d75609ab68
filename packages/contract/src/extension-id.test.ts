import { describe, expect, it } from "vitest";
import { EXTENSION_ID_LENGTH, isExtensionId } from "./extension-id.js";

describe("isExtensionId()", () => {
  it("accepts lowercase kebab-case ids of 1 to 64 characters that start with a letter, as the registry does", () => {
    for (const id of ["deal-pricer", "ab", "x", "tax2-eu", "a".repeat(EXTENSION_ID_LENGTH.max)])
      expect(isExtensionId(id), id).toBe(true);
  });

  it("refuses upper case, leading digits or dashes, doubled or trailing dashes, and lengths out of bounds", () => {
    for (const id of ["Deal", "1deal", "-deal", "deal--pricer", "deal-", "a".repeat(65), "deal_pricer", ""])
      expect(isExtensionId(id), id).toBe(false);
    expect(isExtensionId(42)).toBe(false);
  });
});
