import { describe, expect, it } from "vitest";
import { closest, pointerToField } from "./validate-schema.js";

describe("pointerToField()", () => {
  it("turns a JSON pointer into a dotted path", () => {
    expect(pointerToField("/hostCalls/0/error/code")).toBe("hostCalls[0].error.code");
    expect(pointerToField("")).toBe("(document)");
  });
});

describe("closest()", () => {
  it("suggests the known name a typo is nearest to", () => {
    expect(closest("limit", ["id", "limits", "kind"])).toBe("limits");
    expect(closest("zzzzzz", ["id", "limits"])).toBeUndefined();
  });
});
