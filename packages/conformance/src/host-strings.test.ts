import { afterAll, describe, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";
import { expectTechnicalError } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

describe.each(MODES)("host strings over their caps (%s)", (mode) => {
  it.each([
    ["a 1,000-byte log level", "1"],
    ["a 1,000-byte service name", "2"],
    ["a 300,000-byte request", "3"],
  ])("ends huge-host-string.wat's %s with resource_exhausted/host_string_size", async (_what, input) => {
    const ext = await h.load("huge-host-string");
    const r = await h.invoke(mode, ext, { input });
    expectTechnicalError(r, "resource_exhausted", "host_string_size");
    await h.expectHealthy(mode);
  });
});
