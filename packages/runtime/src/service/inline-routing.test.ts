import { describe, expect, it } from "vitest";
import { createOverrunJudge, GROSS_OVERRUN_MS, INLINE_TOLERANCE_MS } from "./inline-routing.js";

describe("createOverrunJudge()", () => {
  const sliceUs = 100;
  const small = sliceUs / 1000 + INLINE_TOLERANCE_MS + 4; // what a GC pause in a trivial run looks like
  const gross = sliceUs / 1000 + INLINE_TOLERANCE_MS + GROSS_OVERRUN_MS + 1;

  it("keeps a version inline after one small overrun among clean runs (a GC pause), issue #10 item 2c", () => {
    const judge = createOverrunJudge(sliceUs);
    expect(judge.judge("a", 0.02)).toBe("within");
    expect(judge.judge("a", small)).toBe("overran");
    for (let i = 0; i < 5; i++) expect(judge.judge("a", 0.02)).toBe("within");
    expect(judge.judge("a", small)).toBe("overran");
  });

  it("routes a version on its second small overrun among its last three runs", () => {
    const judge = createOverrunJudge(sliceUs);
    expect(judge.judge("a", small)).toBe("overran");
    expect(judge.judge("a", 0.02)).toBe("within");
    expect(judge.judge("a", small)).toBe("route");
    expect(judge.judge("b", small)).toBe("overran");
    expect(judge.judge("b", small)).toBe("route");
  });

  it("routes a version at once on a gross overrun", () => {
    const judge = createOverrunJudge(sliceUs);
    expect(judge.judge("a", gross)).toBe("route");
    expect(judge.judge("b", 0.02)).toBe("within");
  });
});
