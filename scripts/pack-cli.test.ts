// Issue #14: "`npx ameide-ext` outside the repository fails with a 404". `npm run pack:cli` makes tarballs
// of the CLI and the workspace packages it stands on; installed into a folder outside the repository,
// `ameide-ext --help` and `ameide-ext new` work there, and `new`'s next step runs as printed.
// Slow by nature (~1-2 min): the install writes ~340 packages (~575 MB, the compilers) from the npm cache.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
// No ameide-ext of the repository's on PATH (vitest's PATH has node_modules/.bin).
const PATH = [dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(delimiter);

function sh(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { HOME: process.env.HOME ?? "", PATH, NO_COLOR: "1" }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run pack:cli, installed outside the repository", () => {
  let work: string;
  let project: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-pack-cli-"));
    project = join(work, "tools");
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("makes tarballs that install together, and ameide-ext --help and new work there", async () => {
    // npm test's setup builds every package first (alone: `npm run build` before): no rebuild of dist/
    // here while other suites run from it.
    const packed = await sh(
      process.execPath,
      ["scripts/pack-cli.mjs", "--skip-build", "--out", join(work, "tgz")],
      root,
    );
    expect(packed.code, packed.stderr).toBe(0);
    const tarballs = packed.stdout.trim().split("\n");
    expect(tarballs.map((t) => t.slice(t.lastIndexOf("/") + 1)).sort()).toEqual(
      ["cli", "component-tools", "contract", "pdk", "proto", "runtime", "toolkit"].map(
        (p) => `ameide-ext-${p}-0.1.0.tgz`,
      ),
    );
    // The templates went into the CLI's tarball, and out of the repository again.
    expect(await readdir(join(root, "packages", "cli")).then((n) => n.includes("templates"))).toBe(false);

    await sh("/bin/mkdir", ["-p", project], work);
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "tools", private: true }));
    // The third-party packages come from the npm cache (the monorepo's install filled it).
    const installed = await sh(
      "npm",
      ["install", ...tarballs, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
      project,
    );
    expect(installed.code, installed.stderr).toBe(0);

    const help = await sh(join(project, "node_modules", ".bin", "ameide-ext"), ["--help"], project);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain("Usage: ameide-ext");

    const made = await sh(
      "npx",
      ["--offline", "ameide-ext", "new", "deal-guard", "--kind", "process_hook", "--dir", "hooks/deal-guard"],
      project,
    );
    expect(made.code, made.stderr).toBe(0);
    const steps = made.stdout.split("\nnext:\n")[1]?.trim().split("\n") ?? [];
    expect(steps[0]?.trim()).toMatch(/^npx ameide-ext test hooks\/deal-guard\s/);

    const tested = await sh("npx", ["--offline", "ameide-ext", "test", "hooks/deal-guard"], project);
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/\d+ passed, 0 failed/);
  }, 600_000);
});
