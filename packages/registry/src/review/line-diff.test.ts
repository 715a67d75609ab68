import { describe, expect, it } from "vitest";
import { lineDiff, MAX_DIFF_CELLS, sourcesDiff } from "./line-diff.js";

describe("lineDiff()", () => {
  it("keeps common lines and marks removed and added ones", () => {
    expect(lineDiff("a\nb\nc\n", "a\nx\nc\n")).toEqual([
      { op: " ", text: "a" },
      { op: "-", text: "b" },
      { op: "+", text: "x" },
      { op: " ", text: "c" },
    ]);
  });

  it("gives a file too large to diff as all removed, all added", () => {
    const big = "x\n".repeat(Math.ceil(Math.sqrt(MAX_DIFF_CELLS)) + 1);
    const d = lineDiff(big, `${big}y\n`);
    expect(d.every((l) => l.op !== " ")).toBe(true);
  });
});

describe("sourcesDiff()", () => {
  it("names each file's change, in path order", () => {
    const before = new Map([
      ["src/index.ts", "a\n"],
      ["old.ts", "o\n"],
      ["same.ts", "s\n"],
    ]);
    const after = new Map([
      ["src/index.ts", "b\n"],
      ["new.ts", "n\n"],
      ["same.ts", "s\n"],
    ]);
    expect(sourcesDiff(before, after).map((f) => [f.path, f.change])).toEqual([
      ["new.ts", "added"],
      ["old.ts", "removed"],
      ["same.ts", "unchanged"],
      ["src/index.ts", "changed"],
    ]);
  });
});
