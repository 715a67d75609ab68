// Issue #14: "npm packages build, test and run locally, then `promote` fails (TS2307 Cannot find module
// 'decimal.js'), version left failed". A TypeScript hook with a pure-JS dependency (a local tarball, so
// no network) promotes to dev on a dev stack started here and runs there; one whose dependency has an
// install script is refused with a named reason. Every step is a real `ameide-ext` process.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_PROCESS_ARGS, spawnCli } from "../testing/cli-process.js";

const NPM_CLI = join(process.execPath, "..", "..", "lib", "node_modules", "npm", "bin", "npm-cli.js");
const npm = (args: string[], cwd: string) =>
  execFileSync(process.execPath, [NPM_CLI, ...args, "--loglevel=error"], { cwd, stdio: "pipe" });

/** Starts `ameide-ext dev --dir <dir>` and resolves once the registry and runtime are up. */
function startDev(dir: string): Promise<ChildProcess> {
  const args = [...CLI_PROCESS_ARGS, "dev", "--dir", dir, "--registry-port", "0", "--runtime-port", "0"];
  const child = spawn(process.execPath, [...args, "--log-level", "error", "--json"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`ameide-ext dev exited ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", () => resolve(child));
  });
}

/**
 * Scaffolds a TypeScript process hook `name` under `work/hooks`, packs the npm package `pkg` (its
 * `threshold()` is the amount threshold) into the hook's vendor/ and installs it as an author would.
 */
async function hookWithDependency(work: string, name: string, pkg: string, scripts?: Record<string, string>) {
  const dir = join(work, "hooks", name);
  const made = await spawnCli(
    ["new", name, "--kind", "process_hook", "--lang", "typescript", "--dir", `hooks/${name}`],
    { cwd: work },
  );
  expect(made.code, made.stderr).toBe(0);
  const src = join(work, `pkg-${pkg}`);
  await mkdir(src, { recursive: true });
  const manifest = {
    name: pkg,
    version: "1.0.0",
    type: "module",
    main: "index.js",
    types: "index.d.ts",
    scripts,
  };
  await writeFile(join(src, "package.json"), JSON.stringify(manifest));
  await writeFile(join(src, "index.js"), "export function threshold() { return 50_000; }\n");
  await writeFile(join(src, "index.d.ts"), "export declare function threshold(): number;\n");
  await mkdir(join(dir, "vendor"), { recursive: true });
  npm(["pack", "--pack-destination", join(dir, "vendor")], src);
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name, private: true, dependencies: { [pkg]: `file:vendor/${pkg}-1.0.0.tgz` } }),
  );
  npm(["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], dir);
  const index = join(dir, "src", "index.ts");
  const source = await readFile(index, "utf8");
  const edited = source.replace(
    "const AMOUNT_THRESHOLD = 50_000;",
    `import { threshold } from "${pkg}";\nconst AMOUNT_THRESHOLD = threshold();`,
  );
  expect(edited).not.toBe(source);
  await writeFile(index, edited);
  return dir;
}

describe("promote of a TypeScript hook with npm dependencies, on a dev stack", () => {
  let work: string;
  let dev: ChildProcess | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-promote-deps-"));
    // promote and invoke find the stack's config from the cwd upward.
    dev = await startDev(join(work, ".ameide-dev"));
  }, 120_000);
  afterAll(async () => {
    if (dev) {
      const exited = new Promise((r) => dev?.once("exit", r));
      dev.kill("SIGTERM");
      await exited;
    }
    await rm(work, { recursive: true, force: true });
  });

  it("builds and tests locally, promotes to dev, and runs there with the package bundled", async () => {
    const dir = await hookWithDependency(work, "deal-guard", "tiny-threshold");
    const tested = await spawnCli(["test", dir, "--json"], { cwd: work });
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);

    const promoted = await spawnCli(["promote", dir, "--env", "dev", "--json"], { cwd: work });
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({
      ok: true,
      extension: "deal-guard",
      state: "promoted_dev",
      reached: true,
      compile: { status: "succeeded" },
    });

    await writeFile(join(work, "deal.json"), JSON.stringify({ dealId: "d1", amount: 70_000, marginPct: 5 }));
    const invoked = await spawnCli(["invoke", "deal-guard", "--input", join(work, "deal.json"), "--json"], {
      cwd: work,
    });
    expect(invoked.code, invoked.stdout + invoked.stderr).toBe(0);
    expect(JSON.parse(invoked.stdout)).toMatchObject({ ok: true, output: { route: "extra_approval" } });
  }, 300_000);

  it("refuses a dependency with an install script: the compile fails with dependency_install_script", async () => {
    const dir = await hookWithDependency(work, "scripted-guard", "scripted-threshold", {
      postinstall: "node -e 0",
    });
    const promoted = await spawnCli(["promote", dir, "--env", "dev", "--json"], { cwd: work });
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(1);
    const doc = JSON.parse(promoted.stdout) as {
      reason: string;
      reached: boolean;
      compile: { diagnostics: Array<Record<string, unknown>> };
    };
    expect(doc).toMatchObject({ ok: false, reason: "compile_failed", reached: false, state: "failed" });
    expect(doc.compile.diagnostics).toEqual([
      expect.objectContaining({ reason: "dependency_install_script", path: "package-lock.json" }),
    ]);
    expect(String(doc.compile.diagnostics[0]?.message)).toContain('"scripted-threshold"');
  }, 300_000);
});
