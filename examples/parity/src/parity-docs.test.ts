// docs/parity.md and this example's README must stay true: their links lead somewhere, the hooks and fixtures
// their commands name exist, and the `ameide-ext run` command they show prints the fixture's expected answer.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PARITY_HOOKS } from "./parity-hooks.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PAGES = ["docs/parity.md", "examples/parity/README.md"];
const read = (page: string) => readFileSync(join(ROOT, page), "utf8");

/** The shell commands of a page's ```sh blocks, continuation lines joined, comments dropped. */
function commands(page: string): string[] {
  const blocks = [...read(page).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  return blocks
    .flatMap((b) => b.replace(/\\\n\s*/g, "").split("\n"))
    .map((l) => l.replace(/\s#.*$/, "").trim())
    .filter(Boolean);
}

describe.each(PAGES)("%s", (page) => {
  it("links only to files that exist", () => {
    const links = [...read(page).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1] as string);
    const missing = links
      .filter((l) => !/^[a-z]+:/.test(l))
      .filter((l) => !existsSync(resolve(ROOT, dirname(page), l)));
    expect(links.length).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });

  it("names only parity hook folders and fixtures that exist in its ameide-ext commands", () => {
    const hookDirs = Object.values(PARITY_HOOKS);
    const cli = commands(page).filter((c) => c.startsWith("npx ameide-ext "));
    expect(cli.length).toBeGreaterThan(0);
    for (const c of cli) {
      const [, , , dir, flag, file] = c.split(/\s+/);
      expect(hookDirs).toContain(join(ROOT, dir as string));
      if (flag === "--fixture") expect(existsSync(join(ROOT, file as string))).toBe(true);
    }
  });
});

describe("the README's `ameide-ext run --fixture` command", () => {
  it("prints the fixture's expected answer on stdout", () => {
    const run = commands("examples/parity/README.md").find((c) => c.startsWith("npx ameide-ext run "));
    const args = (run as string).split(/\s+/).slice(2);
    const loader = join(ROOT, "packages/toolkit/src/testing/register-source-loader.mjs");
    const main = join(ROOT, "packages/cli/src/main.ts");
    // The CLI from its sources, as a process (nothing imports the CLI), from the repository root as the page says.
    const r = spawnSync(process.execPath, ["--conditions=source", "--import", loader, main, ...args], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(r.status, r.stderr).toBe(0);
    const fixture = JSON.parse(
      readFileSync(join(ROOT, args[args.indexOf("--fixture") + 1] as string), "utf8"),
    );
    expect(JSON.parse(r.stdout)).toEqual(fixture.expected);
  }, 120_000);
});
