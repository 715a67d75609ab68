import { describe, expect, it } from "vitest";
import { tryParseJson } from "./parse-json.js";

describe("tryParseJson()", () => {
  it("says on which line and column the text stops being JSON", () => {
    const r = tryParseJson('{\n  "a": 1,\n  "b" 2\n}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.line, r.error.column]).toEqual([3, 7]);
  });
});
