// The README must not rot: its quick start is what CI runs, its demo passes, and its code sample runs.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const tsx = ["--conditions=source", "--import", "tsx"];

describe("README.md", () => {
  it("has a two-command quick start, and .ci/run runs its test command", () => {
    const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const commands = block
      .split("\n")
      .map((l) => l.replace(/#.*$/, "").trim())
      .filter(Boolean);
    expect(commands).toEqual(["npm run demo", "npm test"]);
    const ci = readFileSync(join(root, ".ci", "run"), "utf8")
      .split("\n")
      .filter((l) => l.trim() && !l.trim().startsWith("#") && !l.startsWith("set ") && !l.startsWith("cd "));
    expect(ci).toEqual(["npm test"]);
  });

  it("runs the demo: the example hook builds, and every fixture passes in the engine", () => {
    const r = spawnSync(process.execPath, [...tsx, join(root, "scripts", "demo.mjs")], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^3 passed, 0 failed$/m);
  });

  it("runs the engine code sample", () => {
    const sample = /## Using the engine[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sample).toBeDefined();
    const hook = join(root, "templates", "assemblyscript", "process_hook", "src", "index.ts");
    const code = `${(sample as string).replace("/abs/path/hook/src/index.ts", hook)}\nconsole.log(JSON.stringify({ r: r.outcome, p: p.outcome }));\n`;
    const file = join(root, "scripts", `.readme-sample-${process.pid}.mts`);
    writeFileSync(file, code);
    try {
      const r = spawnSync(process.execPath, [...tsx, file], { cwd: root, encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout.trim().split("\n").pop() as string)).toEqual({ r: "ok", p: "ok" });
    } finally {
      rmSync(file, { force: true });
    }
  });
});
