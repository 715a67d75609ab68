import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildHook, createNodeToolkitDeps } from "@ameide-ext/toolkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editFile, hookRevision } from "../testing/hook-revision.js";
import { createCompileWorker } from "./create-compile-worker.js";
import { createFolderModuleWriter, type ModuleWriter } from "./module-writer.js";

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

  it("gives its slot back when the scratch folder cannot be made, so the next compile is not stuck behind it", async () => {
    const file = join(work, "not-a-folder");
    await writeFile(file, "x");
    // workDir under a regular file: mkdir fails (ENOTDIR) before any compile starts.
    const compile = createCompileWorker({
      modules: createFolderModuleWriter(join(work, "m-slot")),
      workDir: join(file, "sub"),
    });
    const rev = await hookRevision(await fresh(), "process_hook");
    await expect(compile(rev)).rejects.toThrow(/ENOTDIR/);
    // With one slot (the default), a leaked slot would leave this one waiting forever.
    const second = await Promise.race([
      compile(rev).then(
        () => "settled",
        () => "settled",
      ),
      new Promise((resolve) => setTimeout(() => resolve("stuck"), 5_000)),
    ]);
    expect(second).toBe("settled");
  });

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

  // Issue #14: a TypeScript module differed from build to build, so the registry's never matched the author's.
  it("compiles a TypeScript revision to the very module the author's build made (reproducible builds)", async () => {
    let local = "";
    const rev = await hookRevision(
      await fresh(),
      "process_hook",
      async (dir) => {
        local = (await buildHook({ dir }, createNodeToolkitDeps(dir))).sha256;
      },
      { lang: "typescript" },
    );
    const out = await createCompileWorker({ modules: createFolderModuleWriter(join(work, "m-ts")) })(rev);
    expect(out.record.status, JSON.stringify(out.record.diagnostics)).toBe("succeeded");
    expect(out.sha256).toBe(local);
  }, 240_000);

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

// Issue #10: an agent's upload is built in a child process with an empty environment, in a scratch folder
// of its own, and the build reads only the hook's files. A hook importing a host file is refused with
// forbidden_import at its line, and the compile result handed back to the agent carries none of its bytes.
describe("createCompileWorker() keeps the host's files and secrets from a hook", () => {
  let work: string;
  let tokensFile: string;
  const SECRET = `reviewer-token-${Math.random().toString(36).slice(2)}`;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-compile-attack-"));
    // A dev stack's state folder, as `ameide-ext dev` leaves it.
    await mkdir(join(work, ".stack"));
    tokensFile = join(work, ".stack", "tokens.json");
    await writeFile(tokensFile, JSON.stringify({ "user:reviewer": SECRET }));
    process.env.AMEIDE_REGISTRY_JWT_SECRET = SECRET;
  });
  afterAll(async () => {
    delete process.env.AMEIDE_REGISTRY_JWT_SECRET;
    await rm(work, { recursive: true, force: true });
  });

  const importing = (line: string) => async (dir: string) => {
    const entry = join(dir, "src", "index.ts");
    await writeFile(entry, `${line}\nexport const leaked = String(x);\n${await readFile(entry, "utf8")}`);
  };

  it.each([
    ["TypeScript", "typescript", 'import x from "/etc/passwd" with { type: "text" };', "root:x:0:0"],
    ["TypeScript", "typescript", 'import x from "/proc/self/environ" with { type: "text" };', SECRET],
    ["TypeScript", "typescript", "TOKENS", SECRET],
    ["AssemblyScript", "assemblyscript", 'import { x } from "/etc/passwd";', "root:x:0:0"],
    ["AssemblyScript", "assemblyscript", "TOKENS_AS", SECRET],
  ] as const)(
    "refuses a %s hook's import of a host file (%#) with forbidden_import",
    async (_l, lang, line, bytes) => {
      const source =
        line === "TOKENS"
          ? `import x from ${JSON.stringify(tokensFile)};`
          : line === "TOKENS_AS"
            ? `import { x } from ${JSON.stringify(tokensFile.replace(/\.json$/, ""))};`
            : line;
      const compile = createCompileWorker({ modules: createFolderModuleWriter(join(work, "m")) });
      const rev = await hookRevision(join(work, `case-${Math.random()}`), "process_hook", importing(source), {
        lang,
      });
      const out = await compile(rev);
      expect(out.record.status).toBe("failed");
      expect(out.record.diagnostics).toContainEqual(
        expect.objectContaining({ step: "build", reason: "forbidden_import", path: "src/index.ts", line: 1 }),
      );
      expect(JSON.stringify(out)).not.toContain(bytes);
      expect(JSON.stringify(out)).not.toContain(SECRET);
    },
  );

  it("compiles in a scratch folder of the owner's alone, holding only the upload, removed afterwards", async () => {
    const workDir = join(work, "scratch");
    const seen: Array<{ mode: number; entries: string[] }> = [];
    const modules: ModuleWriter = {
      // Called while the compile's folder still exists: look at it then.
      put: async (key, bytes) => {
        const [scratch = ""] = await readdir(workDir);
        const folder = join(workDir, scratch);
        seen.push({ mode: (await stat(folder)).mode & 0o777, entries: await readdir(folder) });
        return createFolderModuleWriter(join(work, "m-scratch")).put(key, bytes);
      },
    };
    const compile = createCompileWorker({ modules, workDir });
    const out = await compile(await hookRevision(join(work, "scratch-case"), "process_hook"));
    expect(out.record.status, JSON.stringify(out.record.diagnostics)).toBe("succeeded");
    expect(seen).toEqual([{ mode: 0o700, entries: ["deal-guard"] }]);
    expect(await readdir(workDir)).toEqual([]);
  });

  // An upload is any set of files, not what `ameide-ext promote` collects: it may carry a dist/ with a
  // module and a stamp that says it was built from exactly the uploaded src/. The registry must build the
  // sources reviewers read, never store a module the agent made.
  it("builds the uploaded sources, not a prebuilt dist/<id>.wasm an upload carries with a fresh stamp", async () => {
    const lenient = (dir: string) =>
      editFile(
        join(dir, "src", "index.ts"),
        "const extra = amount > AMOUNT_THRESHOLD &&",
        "const extra = amount > AMOUNT_THRESHOLD && amount < 1_000_000 &&",
      );
    const evil = await hookRevision(join(work, "prebuilt-evil"), "process_hook", lenient);
    const evilDir = join(work, "prebuilt-evil", "deal-guard");
    const evilBuild = await buildHook({ dir: evilDir }, createNodeToolkitDeps(evilDir));
    const honest = await hookRevision(join(work, "prebuilt-honest"), "process_hook", async (dir) => {
      // The honest sources' own build writes the stamp; the agent swaps in the lenient module.
      const built = await buildHook({ dir }, createNodeToolkitDeps(dir));
      const stampFile = join(dir, "dist", "deal-guard.build.json");
      const stamp = JSON.parse(await readFile(stampFile, "utf8")) as Record<string, unknown>;
      await writeFile(built.wasm, await readFile(evilBuild.wasm));
      await writeFile(
        stampFile,
        JSON.stringify({ ...stamp, sha256: evilBuild.sha256, bytes: evilBuild.bytes }),
      );
    });
    const dist = join(work, "prebuilt-honest", "deal-guard", "dist");
    const forged = { ...honest, sources: [...honest.sources] };
    for (const name of ["deal-guard.wasm", "deal-guard.build.json"])
      forged.sources.push({
        path: `dist/${name}`,
        contentBase64: (await readFile(join(dist, name))).toString("base64"),
      });
    const compile = createCompileWorker({ modules: createFolderModuleWriter(join(work, "m-prebuilt")) });
    const out = await compile(forged);
    const clean = await compile(honest);
    expect(clean.record.status, JSON.stringify(clean.record.diagnostics)).toBe("succeeded");
    expect(evil.sources).not.toEqual(honest.sources);
    expect(out.sha256).not.toBe(evilBuild.sha256);
    expect(out.sha256).toBe(clean.sha256);
  });
});
