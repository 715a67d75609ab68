// Issue #14: "npm packages build, test and run locally, then promote fails (TS2307 Cannot find module
// 'decimal.js'), version left failed": the compile worker installs what the hook's lockfile names.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editFile, hookRevision } from "../testing/hook-revision.js";
import { installInHook, PURE_JS_PACKAGE, packTarball } from "../testing/npm-tarball.js";
import { createCompileWorker } from "./create-compile-worker.js";
import { createFolderModuleWriter } from "./module-writer.js";

describe("createCompileWorker() with npm dependencies", () => {
  let work: string;
  let n = 0;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-compile-deps-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  /** A TypeScript process hook whose threshold comes from the npm package `pkg`, as a draft revision. */
  const hookWith = (pkg: { name: string; files: Record<string, string>; scripts?: Record<string, string> }) =>
    hookRevision(
      join(work, `case-${n++}`),
      "process_hook",
      async (dir) => {
        await installInHook(dir, { [pkg.name]: await packTarball(dir, pkg) });
        await editFile(
          join(dir, "src", "index.ts"),
          "const AMOUNT_THRESHOLD = 50_000;",
          `import { threshold } from "${pkg.name}";\nconst AMOUNT_THRESHOLD = threshold();`,
        );
      },
      { lang: "typescript" },
    );

  it("builds and tests a TypeScript hook with a pure-JS dependency, as the CLI does", async () => {
    const compile = createCompileWorker({
      modules: createFolderModuleWriter(join(work, "modules")),
      dependencies: { registryUrl: "http://127.0.0.1:9/" }, // a tarball needs no registry
    });
    const rev = await hookWith(PURE_JS_PACKAGE);
    expect(rev.sources.map((f) => f.path)).toEqual(
      expect.arrayContaining(["package.json", "package-lock.json", "vendor/tiny-threshold-1.0.0.tgz"]),
    );
    expect(rev.sources.some((f) => f.path.startsWith("node_modules/"))).toBe(false);
    const out = await compile(rev);
    expect(out.record.status, JSON.stringify(out.record.diagnostics)).toBe("succeeded");
    expect(out.record.tests.length).toBeGreaterThan(0);
    expect(out.record.tests.every((t) => t.passed)).toBe(true);
  }, 180_000);

  it("builds from the lockfile only: a node_modules the upload carries is not read", async () => {
    const compile = createCompileWorker({ modules: createFolderModuleWriter(join(work, "modules")) });
    // No package.json: before, the build would take the package from the uploaded node_modules unchecked.
    const rev = await hookRevision(
      join(work, `case-${n++}`),
      "process_hook",
      async (dir) => {
        await editFile(
          join(dir, "src", "index.ts"),
          "const AMOUNT_THRESHOLD = 50_000;",
          'import { threshold } from "smuggled";\nconst AMOUNT_THRESHOLD = threshold();',
        );
      },
      { lang: "typescript" },
    );
    const files = [
      { path: "node_modules/smuggled/index.js", text: "export const threshold = () => 1;" },
      { path: "node_modules/smuggled/index.d.ts", text: "export declare const threshold: () => number;" },
      {
        path: "node_modules/smuggled/package.json",
        text: '{"name":"smuggled","main":"index.js","types":"index.d.ts"}',
      },
    ];
    for (const f of files)
      rev.sources.push({ path: f.path, contentBase64: Buffer.from(f.text).toString("base64") });
    const out = await compile(rev);
    expect(out.record.status).toBe("failed");
    expect(out.record.diagnostics).toMatchObject([{ step: "build", path: "src/index.ts" }]);
    expect(out.record.diagnostics[0]?.message).toContain('"smuggled"');
  }, 180_000);

  it("fails a hook whose dependency has an install script, naming the package and the reason", async () => {
    const compile = createCompileWorker({ modules: createFolderModuleWriter(join(work, "modules")) });
    const scripts = { postinstall: "node -e 0" };
    const out = await compile(await hookWith({ ...PURE_JS_PACKAGE, name: "scripted", scripts }));
    expect(out.record.status).toBe("failed");
    expect(out.record.diagnostics).toMatchObject([
      { step: "build", reason: "dependency_install_script", path: "package-lock.json" },
    ]);
    expect(out.record.diagnostics[0]?.message).toContain('"scripted"');
  }, 180_000);
});
