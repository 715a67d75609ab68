#!/usr/bin/env node
/**
 * Fails when the committed generated code no longer matches proto/.
 *
 * Runs `buf lint`, then `buf generate` (buf.gen.yaml, `clean: true`), then
 * asks git whether anything under packages/proto/src/gen changed. Everything
 * runs from node_modules, with no network: buf.yaml has no remote deps and
 * buf.gen.yaml uses the local protoc-gen-es.
 *
 * Usage, from anywhere in the repo: `node scripts/check-generated.mjs`.
 * Exit codes: 0 generated code is current; 1 it drifted (the diff is
 * printed); 2 a step failed (lint errors, generation error, git missing).
 */
import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GEN_DIR = "packages/proto/src/gen";

/** Runs a command in the repo root with inherited output; returns its exit status. */
function run(command, args) {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    stdio: "inherit",
    // npx is npx.cmd on Windows, which needs a shell.
    shell: process.platform === "win32",
  });
  if (result.error) {
    console.error(`check-generated: could not run ${command}: ${result.error.message}`);
    return 2;
  }
  return result.status ?? 2;
}

/** Runs git and returns its stdout, or exits 2 when git fails. */
function git(args) {
  const result = spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : result.stderr.trim();
    console.error(`check-generated: git ${args.join(" ")} failed: ${why}`);
    process.exit(2);
  }
  return result.stdout;
}

// `--no` makes npx fail instead of downloading when buf is not installed.
for (const args of [
  ["buf", "lint"],
  ["buf", "generate"],
]) {
  console.error(`check-generated: npx ${args.join(" ")}`);
  const status = run("npx", ["--no", "--", ...args]);
  if (status !== 0) {
    console.error(`check-generated: npx ${args.join(" ")} exited with ${status}`);
    process.exit(2);
  }
}

const changes = git(["status", "--porcelain", "--untracked-files=all", "--", GEN_DIR]).trimEnd();
if (changes !== "") {
  console.error(
    [
      `check-generated: ${GEN_DIR} differs from what \`buf generate\` produces from proto/:`,
      changes,
      "",
      "Run `npx buf generate` at the repo root and commit the result with the .proto change.",
    ].join("\n"),
  );
  process.exit(1);
}
console.error(`check-generated: ${GEN_DIR} is up to date`);
