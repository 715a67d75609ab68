// Issue #14: "`npx ameide-ext` outside the repository fails with a 404 from the registry, yet `new` prints
// `next: npx ameide-ext test …`": next steps name the command that works where the user is.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_PROCESS_ARGS, spawnCli } from "../testing/cli-process.js";
import { approveInvocation, cliInvocation } from "./cli-invocation.js";

describe("cliInvocation()", () => {
  const launch = { script: "/opt/tools/ameide ext/bin/ameide-ext.js", execArgv: [] };
  const files =
    (...present: string[]) =>
    (file: string) =>
      present.includes(file);

  it("is `npx ameide-ext` where a node_modules/.bin/ameide-ext is in the folder or above (the monorepo)", () => {
    const exists = files("/repo/node_modules/.bin/ameide-ext");
    expect(cliInvocation({ cwd: "/repo/hooks/deal-guard", env: {}, launch }, exists)).toBe("npx ameide-ext");
    expect(cliInvocation({ cwd: "/repo", env: {}, launch }, exists)).toBe("npx ameide-ext");
  });

  it("is `ameide-ext` when no project has it but PATH does (npm i -g, npm link)", () => {
    const exists = files("/usr/local/bin/ameide-ext");
    const env = { PATH: ["/usr/bin", "/usr/local/bin"].join(path.delimiter) };
    expect(cliInvocation({ cwd: "/home/ann/hooks", env, launch }, exists)).toBe("ameide-ext");
  });

  it("is how this process was started, by absolute path and quoted, when neither has it", () => {
    const env = { PATH: "/usr/bin" };
    expect(cliInvocation({ cwd: "/home/ann", env, launch }, files())).toBe(
      "node '/opt/tools/ameide ext/bin/ameide-ext.js'",
    );
    const fromSources = {
      script: "src/main.ts",
      execArgv: ["--conditions=source", "--import", "/l/loader.mjs"],
    };
    expect(cliInvocation({ cwd: "/home/ann", env, launch: fromSources }, files())).toBe(
      `node --conditions=source --import /l/loader.mjs ${path.resolve("src/main.ts")}`,
    );
    expect(cliInvocation({ cwd: "/home/ann", env }, files())).toBe("ameide-ext");
  });
});

describe("approveInvocation()", () => {
  // The command a promotion gate hands a reviewer, who runs it with their own token: never code the agent writes.
  const files =
    (...present: string[]) =>
    (file: string) =>
      present.includes(file);
  const asIs = (script: string) => script;

  it("is the plain `ameide-ext` when this CLI's script lies inside the agent's root, whatever PATH says", () => {
    const launch = { script: "/ws/node_modules/@ameide-ext/cli/dist/main.js", execArgv: [] };
    expect(approveInvocation({ env: { PATH: "/usr/bin" }, launch, agentRoot: "/ws" }, files(), asIs)).toEqual(
      {
        command: "ameide-ext",
        ownInstall: true,
      },
    );
    // A sibling folder whose name starts with the root's is not inside it.
    const sibling = { script: "/ws-tools/dist/main.js", execArgv: [] };
    expect(approveInvocation({ env: {}, launch: sibling, agentRoot: "/ws" }, files(), asIs)).toEqual({
      command: "node /ws-tools/dist/main.js",
      ownInstall: false,
    });
  });

  it("is `ameide-ext` when an absolute PATH folder outside the agent's root has it; else how this process started", () => {
    const launch = { script: "/opt/ameide/dist/main.js", execArgv: [] };
    const exists = files("/usr/local/bin/ameide-ext", "/ws/node_modules/.bin/ameide-ext", "bin/ameide-ext");
    const on = (PATH: string) => approveInvocation({ env: { PATH }, launch, agentRoot: "/ws" }, exists, asIs);
    expect(on(["/usr/bin", "/usr/local/bin"].join(path.delimiter)).command).toBe("ameide-ext");
    expect(on(["/ws/node_modules/.bin", "bin"].join(path.delimiter)).command).toBe(
      "node /opt/ameide/dist/main.js",
    );
  });
});

describe("ameide-ext new, outside the repository", () => {
  let work: string;
  // No ameide-ext on PATH: node's folder and the system's only (vitest's PATH has the repo's .bin).
  const PATH = [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter);
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "ameide-outside-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("prints next steps that run there as printed", async () => {
    const made = await spawnCli(
      ["new", "deal-guard", "--kind", "process_hook", "--dir", "hooks/deal-guard"],
      {
        cwd: work,
        env: { PATH },
      },
    );
    expect(made.code, made.stderr).toBe(0);
    const steps = made.stdout.split("\nnext:\n")[1]?.trim().split("\n") ?? [];
    expect(steps).toHaveLength(2);
    expect(steps.every((s) => !s.includes("npx ameide-ext"))).toBe(true);
    const invocation = ["node", ...CLI_PROCESS_ARGS].join(" ");
    expect(steps[0]?.trim().startsWith(`${invocation} test hooks/deal-guard`)).toBe(true);
    // The printed line, through a shell, from the same folder: it builds and tests the hook.
    const line = (steps[0] ?? "").replace(/\s+#.*$/, "").trim();
    const ran = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn("/bin/sh", ["-c", line], {
        cwd: work,
        env: { ...process.env, PATH, NO_COLOR: "1" },
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      child.stderr.on("data", (d) => {
        out += d;
      });
      child.on("close", (code) => resolve({ code, out }));
    });
    expect(ran.code, ran.out).toBe(0);
    expect(ran.out).toMatch(/\d+ passed, 0 failed/);
  }, 120_000);
});
