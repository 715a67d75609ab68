import { afterAll, describe, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";
import { expectRefused } from "./expect-outcome.js";

const h = createHarness({ sizeLimits: { inputBytes: 64 } });
afterAll(() => h.close());

describe.each(MODES)("input (%s)", (mode) => {
  it("refuses input over sizeLimits.inputBytes with invalid_argument/input_size", async () => {
    const ext = await h.load("echo");
    const input = JSON.stringify({ pad: "x".repeat(64) });
    await expectRefused(() => h.invoke(mode, ext, { input }), "invalid_argument", "input_size");
    await expectRefused(
      () => h.invoke(mode, ext, { input: new TextEncoder().encode(input) }),
      "invalid_argument",
      "input_size",
    );
    await h.expectHealthy(mode);
  });

  it.each([
    ["text that is not JSON", "{nope"],
    ["empty text", ""],
    ["bytes that are not UTF-8", new Uint8Array([0x22, 0xff, 0x22])],
    ["a value that is neither text nor bytes", 42 as unknown as string],
  ])("refuses %s with invalid_argument/invalid_input", async (_, input) => {
    const ext = await h.load("echo");
    await expectRefused(() => h.invoke(mode, ext, { input }), "invalid_argument", "invalid_input");
    await h.expectHealthy(mode);
  });

  it("refuses per-invocation limits outside their bounds with invalid_argument/invalid_limits", async () => {
    const ext = await h.load("echo");
    await expectRefused(
      () => h.invoke(mode, ext, { input: "null", limits: { timeoutMs: 0 } }),
      "invalid_argument",
      "invalid_limits",
    );
    await h.expectHealthy(mode);
  });
});
