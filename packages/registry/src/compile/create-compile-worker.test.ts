import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editFile, hookRevision } from "../testing/hook-revision.js";
import { createCompileWorker } from "./create-compile-worker.js";
import { createFolderModuleWriter } from "./module-writer.js";

describe("createCompileWorker()", () => {
  let work: string;
  let n = 0;
  const fresh = async () => {
    const dir = join(work, `case-${n++}`);
    return dir;
  };
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-compile-test-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("builds, checks and tests a revision, and stores the module at extensions/<tenant>/<extension>/<version>.wasm", async () => {
    const modules = join(work, "modules");
    const compile = createCompileWorker({ modules: createFolderModuleWriter(modules) });
    const rev = await hookRevision(await fresh(), "process_hook");
    const out = await compile(rev);
    expect(out.record.status, JSON.stringify(out.record.diagnostics)).toBe("succeeded");
    expect(out.record.toolchain).toMatch(/^assemblyscript@\d/);
    expect(out.wasmBlobRef).toBe(`extensions/acme/deal-guard/7.wasm#sha256=${out.sha256}`);
    const stored = await readFile(join(modules, "extensions", "acme", "deal-guard", "7.wasm"));
    expect(stored.byteLength).toBe(out.record.moduleBytes);
    expect(out.record.tests.length).toBeGreaterThanOrEqual(2);
    expect(out.record.tests.every((t) => t.passed && t.maxLimitRatio > 0 && t.maxLimitRatio < 0.5)).toBe(
      true,
    );
    expect(out.record.tests[0]?.inputJson).toMatch(/^\{/);
    // Deterministic: the same sources give the same module.
    const again = await compile(await hookRevision(await fresh(), "process_hook"));
    expect(again.sha256).toBe(out.sha256);
  });

  it("fails a revision whose manifest's lang is not the language it was uploaded as, before building", async () => {
    const compile = createCompileWorker({ modules: createFolderModuleWriter(join(work, "m-lang")) });
    const rev = await hookRevision(await fresh(), "process_hook", undefined, {
      lang: "typescript",
      language: "assemblyscript",
    });
    const out = await compile(rev);
    expect(out.record.status).toBe("failed");
    expect(out.record.toolchain).toMatch(/^assemblyscript@\d/);
    expect(out.record.diagnostics).toEqual([
      expect.objectContaining({ step: "policy_check", reason: "invalid_manifest", path: "extension.json" }),
    ]);
    expect(out.record.diagnostics[0]?.message).toContain('lang is "typescript"');
  });

  it("fails with the compiler's diagnostics, file, line and column", async () => {
    const compile = createCompileWorker({ modules: createFolderModuleWriter(join(work, "m2")) });
    const rev = await hookRevision(await fresh(), "process_hook", (dir) =>
      editFile(
        join(dir, "src", "index.ts"),
        "const reasons = JSON.array();",
        "const reasons: i32 = JSON.array();",
      ),
    );
    const out = await compile(rev);
    expect(out.record.status).toBe("failed");
    expect(out.wasmBlobRef).toBeUndefined();
    const error = out.record.diagnostics.find((d) => d.severity === "error");
    expect(error).toMatchObject({ step: "build", reason: "compile_error", path: "src/index.ts" });
    expect(error?.line).toBeGreaterThan(0);
  });

  it("fails a failing fixture, with the case's result stored", async () => {
    const compile = createCompileWorker({ modules: createFolderModuleWriter(join(work, "m3")) });
    const rev = await hookRevision(await fresh(), "process_hook", (dir) =>
      editFile(join(dir, "src", "index.ts"), '"extra_approval" : "standard"', '"standard" : "standard"'),
    );
    const out = await compile(rev);
    expect(out.record.status).toBe("failed");
    expect(out.record.tests.some((t) => !t.passed && t.message !== "")).toBe(true);
  });

  it("refuses code that calls host.call when the definition declares no host calls (static policy check)", async () => {
    const compile = createCompileWorker({ modules: createFolderModuleWriter(join(work, "m4")) });
    const rev = await hookRevision(await fresh(), "agent_tool");
    const out = await compile({ ...rev, hostCalls: [], riskTier: "medium" });
    expect(out.record.status).toBe("failed");
    // The manifest (which declares the call) no longer matches the definition, and the code calls the host.
    expect(out.record.diagnostics).toContainEqual(
      expect.objectContaining({ step: "policy_check", reason: "invalid_manifest" }),
    );
    const manifest = JSON.parse(rev.manifestJson) as Record<string, unknown>;
    const undeclared = await compile({
      ...rev,
      hostCalls: [],
      manifestJson: JSON.stringify({ ...manifest, host_calls: [] }),
    });
    expect(undeclared.record.diagnostics).toContainEqual(
      expect.objectContaining({ step: "policy_check", reason: "host_call_denied", severity: "error" }),
    );
    const declared = await compile(rev);
    expect(declared.record.status, JSON.stringify(declared.record.diagnostics)).toBe("succeeded");
  });

  it("refuses a manifest that disagrees with the definition", async () => {
    const compile = createCompileWorker({ modules: createFolderModuleWriter(join(work, "m5")) });
    const rev = await hookRevision(await fresh(), "process_hook");
    const out = await compile({ ...rev, riskTier: "high" });
    expect(out.record.status).toBe("failed");
    expect(out.record.diagnostics[0]).toMatchObject({ step: "policy_check", reason: "invalid_manifest" });
  });
});
