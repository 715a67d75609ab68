// Test support: the CLI as a child process, run from its sources, and in-process with captured streams.

import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createNodeFs } from "@ameide-ext/toolkit";
import { Ajv } from "ajv";
import type { CliDeps } from "../deps.js";
import { OUTPUT_SCHEMAS } from "../report/output-schemas.js";

/** The repository's root. */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
/** The toolkit's source loader: one copy for the CLI's child processes and the registry's compile child. */
const LOADER = join(
  dirname(createRequire(import.meta.url).resolve("@ameide-ext/toolkit/package.json")),
  "src/testing/register-source-loader.mjs",
);

/** The node arguments that run `ameide-ext` from its sources: `node ...CLI_PROCESS_ARGS <command> …`. */
export const CLI_PROCESS_ARGS: readonly string[] = ["--conditions=source", "--import", LOADER, MAIN];

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
    const child = spawn(process.execPath, [...CLI_PROCESS_ARGS, ...args], {
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

const ajv = new Ajv({ allErrors: true, strict: false });

/**
 * The one `--json` document a CLI process printed on stdout, checked against
 * its schema in docs/cli.md. Throws when stdout is not exactly one line, or
 * the document does not match the schema.
 */
export function parseCliDocument(
  stdout: string,
  schema: keyof typeof OUTPUT_SCHEMAS,
): Record<string, unknown> {
  const lines = stdout.trimEnd().split("\n");
  if (lines.length !== 1)
    throw new Error(`expected exactly one JSON document on stdout, got ${lines.length} lines:\n${stdout}`);
  const doc = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
  const validate = ajv.compile(OUTPUT_SCHEMAS[schema]);
  if (!validate(doc)) throw new Error(`${schema}: ${ajv.errorsText(validate.errors)}\n${stdout}`);
  return doc;
}
