// Test support: the CLI as a child process, run from its sources, and in-process with captured streams.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type CliDeps, createNodeFs } from "../deps.js";

/** The repository's root. */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const LOADER = fileURLToPath(new URL("./register-source-loader.mjs", import.meta.url));

/** What a finished process left. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ameide-ext <args>` as a process from the sources (no build needed), like `npx ameide-ext` would. */
export function spawnCli(
  args: readonly string[],
  opts: { cwd: string; stdin?: string; env?: Record<string, string> },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", LOADER, MAIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: "1", AMEIDE_ACTOR: "agent:test", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
  });
}

/** Side effects for an in-process run: the real file system, captured stdout and stderr, a fixed environment. */
export function createCapturedDeps(opts: { cwd: string; stdin?: string; env?: Record<string, string> }): {
  deps: CliDeps;
  stdout: () => string;
  stderr: () => string;
} {
  let out = "";
  let err = "";
  const deps: CliDeps = {
    stdout: {
      write: (s) => {
        out += s;
      },
      isTTY: false,
      columns: undefined,
    },
    stderr: {
      write: (s) => {
        err += s;
      },
      isTTY: false,
      columns: undefined,
    },
    readStdin: async () => opts.stdin ?? "",
    env: { AMEIDE_ACTOR: "agent:test", ...opts.env },
    cwd: opts.cwd,
    now: () => performance.now(),
    username: () => "tester",
    fs: createNodeFs(),
  };
  return { deps, stdout: () => out, stderr: () => err };
}
