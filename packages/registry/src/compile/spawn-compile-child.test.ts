import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { spawnCompileChild } from "./spawn-compile-child.js";

const PROBE = fileURLToPath(new URL("../testing/compile-child-probe.ts", import.meta.url));

describe("spawnCompileChild()", () => {
  const dir = mkdtempSync(join(tmpdir(), "ameide-child-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const probe = (
    mode: string,
    limits: { timeoutMs?: number; maxOutputBytes?: number; signal?: AbortSignal } = {},
  ) =>
    spawnCompileChild({
      dir,
      timeoutMs: limits.timeoutMs ?? 30_000,
      maxOutputBytes: limits.maxOutputBytes ?? 1024 * 1024,
      signal: limits.signal,
      entry: { file: PROBE, args: [mode] },
    });

  it("starts the child with an empty environment, in the hook's folder", async () => {
    // The parent holds secrets a compile must never see.
    process.env.AMEIDE_REGISTRY_JWT_SECRET = "parent-secret";
    const out = await probe("env");
    delete process.env.AMEIDE_REGISTRY_JWT_SECRET;
    expect(out.t).toBe("message");
    const report = (out as { message: unknown }).message as { env: Record<string, string>; cwd: string };
    expect(report.env).toEqual({});
    expect(report.cwd).toBe(dir);
  });

  it("kills a child that runs past its time limit: compile_timeout", async () => {
    const started = Date.now();
    const out = await probe("hang", { timeoutMs: 500 });
    expect(out).toMatchObject({ t: "failed", reason: "compile_timeout" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  // A registry that shuts down cancels its compiles: the child must not outlive the cancel.
  it("kills the child when the compile is cancelled: compile_cancelled", async () => {
    const started = Date.now();
    const out = probe("hang", { signal: AbortSignal.timeout(300) });
    expect(await out).toMatchObject({ t: "failed", reason: "compile_cancelled" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("kills a child whose result passes the output cap: compile_output_too_large", async () => {
    const out = await probe("flood", { maxOutputBytes: 1024 * 1024 });
    expect(out).toMatchObject({ t: "failed", reason: "compile_output_too_large" });
  });

  it("reports a child that exits without a result: compile_crashed", async () => {
    const out = await probe("crash");
    expect(out).toMatchObject({ t: "failed", reason: "compile_crashed" });
  });
});
