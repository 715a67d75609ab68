import { type ErrorCode, type ErrorReason, sha256Hex } from "@ameide-ext/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { buildGuest } from "./build-guest.js";
import { createHarness } from "./create-harness.js";
import { expectRefused } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

const refusals: Array<[guest: string, code: ErrorCode, reason: ErrorReason]> = [
  ["wasi-clock-import", "invalid_argument", "forbidden_import"],
  ["wasi-preview1-import", "invalid_argument", "forbidden_import"],
  ["unknown-import", "invalid_argument", "forbidden_import"],
  ["unknown-host-function", "invalid_argument", "forbidden_import"],
  ["imported-global", "invalid_argument", "forbidden_import"],
  ["imported-memory", "invalid_argument", "forbidden_import"],
  // A linked module importing the runtime's counters by their reserved module name could write them.
  ["linked-counter-import", "invalid_argument", "forbidden_import"],
  ["missing-run", "invalid_argument", "missing_export"],
  ["missing-core-run", "invalid_argument", "missing_export"],
  ["wrong-run-type", "invalid_argument", "contract_mismatch"],
  ["wrong-core-run-signature", "invalid_argument", "contract_mismatch"],
  ["bare-core-module", "invalid_argument", "not_a_component"],
  // A bare core module is refused for its packaging before its imports are read.
  ["bare-wasi-module", "invalid_argument", "not_a_component"],
  ["memory-over-cap", "resource_exhausted", "memory"],
  ["reserved-export", "invalid_argument", "invalid_module"],
  ["start-trap", "invalid_argument", "invalid_module"],
  ["glue-injection", "invalid_argument", "invalid_module"],
  ["v128-global-counter", "invalid_argument", "unsupported_feature"],
];

describe("engine.load() refusals", () => {
  it.each(refusals)("refuses %s.wat with %s/%s", async (guest, code, reason) => {
    await expectRefused(() => h.load(guest), code, reason);
    await h.expectHealthy("inline");
  });

  it("runs none of glue-injection.wat's code in the host: globalThis.pwned stays unset", async () => {
    await expectRefused(() => h.load("glue-injection"), "invalid_argument", "invalid_module");
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });

  it("refuses garbage bytes with invalid_argument/invalid_module", async () => {
    const garbage = new TextEncoder().encode("#!/bin/sh\nrm -rf / # not WebAssembly");
    await expectRefused(() => h.engine.load(garbage), "invalid_argument", "invalid_module");
    await h.expectHealthy("inline");
  });

  it("refuses empty bytes with invalid_argument/invalid_module", async () => {
    await expectRefused(() => h.engine.load(new Uint8Array(0)), "invalid_argument", "invalid_module");
    await h.expectHealthy("inline");
  });

  it.each([
    ["inside its header", 6],
    ["a section cut short", 100],
    ["half of it", 0.5],
    ["all but its last byte", -1],
  ])("refuses a truncated component (%s) with invalid_argument/invalid_module", async (_, cut) => {
    const echo = await buildGuest("echo");
    const end = cut > 0 && cut < 1 ? Math.floor(echo.length * cut) : cut < 0 ? echo.length + cut : cut;
    await expectRefused(() => h.engine.load(echo.slice(0, end)), "invalid_argument", "invalid_module");
    await h.expectHealthy("inline");
  });

  it("refuses the bare 8-byte header, a valid empty component, with invalid_argument/missing_export", async () => {
    const echo = await buildGuest("echo");
    await expectRefused(() => h.engine.load(echo.slice(0, 8)), "invalid_argument", "missing_export");
    await h.expectHealthy("inline");
  });

  it("refuses a value that is not bytes with invalid_argument/invalid_module", async () => {
    const notBytes = "(module)" as unknown as Uint8Array;
    await expectRefused(() => h.engine.load(notBytes), "invalid_argument", "invalid_module");
    await h.expectHealthy("inline");
  });

  it("refuses a sha256 mismatch with failed_precondition/integrity, and accepts the right digest", async () => {
    const echo = await buildGuest("echo");
    const wrong = sha256Hex(new TextEncoder().encode("another module"));
    await expectRefused(() => h.engine.load(echo, { sha256: wrong }), "failed_precondition", "integrity");
    await h.expectHealthy("inline");
    const ext = await h.engine.load(echo, { sha256: sha256Hex(echo).toUpperCase() });
    expect(ext.sha256).toBe(sha256Hex(echo));
  });

  it("refuses limits outside their bounds with invalid_argument/invalid_limits", async () => {
    await expectRefused(
      () => h.load("echo", { limits: { memoryMb: 0 } }),
      "invalid_argument",
      "invalid_limits",
    );
    await expectRefused(
      () => h.load("echo", { limits: { cpuMillis: 10_001 } }),
      "invalid_argument",
      "invalid_limits",
    );
    await h.expectHealthy("inline");
  });
});

describe("engine.load() with a small sizeLimits.moduleBytes", () => {
  const small = createHarness({ sizeLimits: { moduleBytes: 1024 } });
  afterAll(() => small.close());

  it("refuses a module over the limit with invalid_argument/module_size, before reading it", async () => {
    const bytes = await buildGuest("echo");
    expect(bytes.length).toBeGreaterThan(1024);
    await expectRefused(() => small.engine.load(bytes), "invalid_argument", "module_size");
    // Over the limit is refused even when the bytes are not WebAssembly at all.
    await expectRefused(() => small.engine.load(new Uint8Array(1025)), "invalid_argument", "module_size");
  });

  it("lets a module within the limit through to the next checks", async () => {
    const tiny = await buildGuest("missing-run"); // small and well-formed; refused later, for its contract
    expect(tiny.length).toBeLessThanOrEqual(1024);
    await expectRefused(() => small.engine.load(tiny), "invalid_argument", "missing_export");
  });
});
