import { describe, expect, it } from "vitest";
import { formatJson } from "./format-json.js";

describe("formatJson()", () => {
  it("keeps what fits on one line, and breaks what does not", () => {
    const text = formatJson({ name: "n", input: { a: 1, b: [1, 2] }, expected: { long: "x".repeat(120) } });
    expect(text).toBe(
      `{\n  "name": "n",\n  "input": { "a": 1, "b": [1, 2] },\n  "expected": {\n    "long": "${"x".repeat(120)}"\n  }\n}\n`,
    );
    expect(JSON.parse(text)).toEqual({
      name: "n",
      input: { a: 1, b: [1, 2] },
      expected: { long: "x".repeat(120) },
    });
  });
});
