import { afterAll, describe, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";
import { expectTechnicalError } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

describe.each(MODES)("call stack and traps (%s)", (mode) => {
  it.each([
    // Small frames: the injected depth counter passes sizeLimits.callDepth first.
    "deep-recursion",
    // 1 KiB frames: the host's stack overflows first (a RangeError in V8).
    "fat-frame-recursion",
  ])("stops %s.wat with resource_exhausted/stack", async (name) => {
    const ext = await h.load(name);
    const r = await h.invoke(mode, ext, { input: "null" });
    expectTechnicalError(r, "resource_exhausted", "stack");
    await h.expectHealthy(mode);
  });

  it("reports unreachable.wat as resource_exhausted/trap", async () => {
    const ext = await h.load("unreachable");
    const r = await h.invoke(mode, ext, { input: "null" });
    expectTechnicalError(r, "resource_exhausted", "trap");
    await h.expectHealthy(mode);
  });
});
