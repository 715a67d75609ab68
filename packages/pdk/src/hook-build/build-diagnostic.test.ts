import { describe, expect, it } from "vitest";
import { type BuildDiagnostic, formatBuildDiagnostic } from "./build-diagnostic.js";

const diagnostic: BuildDiagnostic = {
  file: "/hooks/deal/src/index.ts",
  line: 3,
  column: 10,
  message: "Type 'i32' is not assignable to type '~lib/string/String'.",
  code: "TS2322",
  severity: "error",
  sourceLine: "\treturn 42 + x;",
  length: 6,
};

describe("formatBuildDiagnostic()", () => {
  it("prints the location, the source line and a marker under the range", () => {
    expect(formatBuildDiagnostic(diagnostic, "src/index.ts").split("\n")).toEqual([
      "src/index.ts:3:10 error TS2322: Type 'i32' is not assignable to type '~lib/string/String'.",
      "  \treturn 42 + x;",
      "  \t        ^~~~~~",
    ]);
  });

  it("prints the first line alone when the source is unknown", () => {
    expect(formatBuildDiagnostic({ ...diagnostic, sourceLine: "" }, "x.ts")).toBe(
      "x.ts:3:10 error TS2322: Type 'i32' is not assignable to type '~lib/string/String'.",
    );
  });
});
