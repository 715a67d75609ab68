import { describe, expect, it } from "vitest";
import {
  lineDiff,
  MAX_DIFF_CELLS,
  MAX_PAGE_DIFF_CELLS,
  MAX_SHOWN_DIFF_LINES,
  sourcesDiff,
} from "./line-diff.js";

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

describe("sourcesDiff() within one page's budget", () => {
  it("spends at most MAX_PAGE_DIFF_CELLS on line diffs: past it a file is all removed, all added", () => {
    const n = Math.floor(Math.sqrt(MAX_DIFF_CELLS));
    const text = (tag: string) =>
      `${Array.from({ length: n }, (_, i) => (i % 2 ? `${tag}${i}` : `k${i}`)).join("\n")}\n`;
    const count = MAX_PAGE_DIFF_CELLS / (n * n) + 2;
    const paths = Array.from({ length: count }, (_, i) => `f${String(i).padStart(3, "0")}.ts`);
    const diff = sourcesDiff(
      new Map(paths.map((p) => [p, text("a")])),
      new Map(paths.map((p) => [p, text("b")])),
    );
    expect(diff[0]?.lines.some((l) => l.op === " ")).toBe(true);
    expect(diff.at(-1)?.lines.some((l) => l.op === " ")).toBe(false);
    const shown = diff.reduce((s, f) => s + f.lines.filter((l) => l.op !== " ").length, 0);
    expect(shown).toBeLessThanOrEqual(MAX_SHOWN_DIFF_LINES);
  });

  it("does no diff work for an unchanged file", () => {
    const big = "x\n".repeat(100_000);
    expect(sourcesDiff(new Map([["a.ts", big]]), new Map([["a.ts", big]]))).toEqual([
      { path: "a.ts", change: "unchanged", lines: [] },
    ]);
  });
});
