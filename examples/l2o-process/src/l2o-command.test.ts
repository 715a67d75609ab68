import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, runL2oCommand, USAGE } from "./l2o-command.js";

function captured() {
  const out = { stdout: "", stderr: "" };
  const io = {
    stdout: (t: string) => {
      out.stdout += t;
    },
    stderr: (t: string) => {
      out.stderr += t;
    },
    env: {},
  };
  return { out, io };
}

describe("runL2oCommand()", () => {
  it("prints the usage on --help, exit 0", async () => {
    const { out, io } = captured();
    expect(await runL2oCommand(["--help"], io)).toBe(EXIT.ok);
    expect(out.stdout).toBe(`${USAGE}\n`);
  });

  it("--help and the README's table list the same flags", async () => {
    const readme = await readFile(join(import.meta.dirname, "..", "README.md"), "utf8");
    const table = /\| flag \| meaning \|\n\|---\|---\|\n((?:\|.*\n)+)/.exec(readme)?.[1] ?? "";
    const inReadme = [...table.matchAll(/^\| `(--[a-z]+)/gm)].map((m) => m[1]);
    const inUsage = [...USAGE.matchAll(/^ {2}(?:-h, )?(--[a-z]+)/gm)]
      .map((m) => m[1])
      .filter((f) => f !== "--help");
    expect(inReadme).toEqual(inUsage);
    expect(inReadme.length).toBeGreaterThan(5);
  });

  it.each([
    ["a deal that is not JSON", ["--deal", "{id: D-1}"], "invalid_argument/invalid_input"],
    ["a deal without an id", ["--deal", '{"amount":1}'], "invalid_argument/invalid_input"],
    [
      "two deals with one id (one process instance each: l2o-<id>)",
      ["--deal", '{"id":"D-1","amount":1}', "--deal", '{"id":"D-1","amount":2}'],
      "invalid_argument/invalid_input",
    ],
    ["an unknown flag", ["--tenants", "acme"], "invalid_argument"],
    ["a flag without its value", ["--url"], "invalid_argument"],
  ])("refuses %s before any call: exit 2, the code on stderr", async (_, argv, code) => {
    const { out, io } = captured();
    expect(await runL2oCommand(argv, io)).toBe(EXIT.usage);
    expect(out.stderr).toContain(`l2o-process: ${code}`);
    expect(out.stdout).toBe("");
  });

  it("a runtime that is not there fails the deal: exit 1, unavailable on stderr", async () => {
    const { out, io } = captured();
    const argv = ["--url", "http://127.0.0.1:9", "--deal", '{"id":"D-1","amount":1,"margin":0.5}'];
    expect(await runL2oCommand(argv, io)).toBe(EXIT.failed);
    expect(out.stderr).toContain('"code":"unavailable"');
  });
});
