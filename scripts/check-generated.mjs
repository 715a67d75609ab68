#!/usr/bin/env node
/**
 * Fails when the committed generated code no longer matches its .proto files.
 *
 * For each buf module (MODULES: the root's proto/, the Orders example's and the runtime's vendored OTLP protos),
 * runs `buf lint`, then `buf generate` (its buf.gen.yaml, `clean: true`),
 * then asks git whether anything under its generated folder changed. Everything
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
/** Each buf module of the repository (its folder, with buf.yaml and buf.gen.yaml) and where it generates. */
const MODULES = [
  { dir: ".", gen: "packages/proto/src/gen" },
  { dir: "examples/orders-domain", gen: "examples/orders-domain/src/gen" },
  { dir: "packages/runtime", gen: "packages/runtime/src/gen" },
];

/** Runs a command in `dir` (relative to the repo root) with inherited output; returns its exit status. */
function run(command, args, dir) {
  const result = spawnSync(command, args, {
    cwd: resolve(ROOT, dir),
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

/** Lints and generates the module in `dir`; exits 2 when a step fails. */
function generate(dir) {
  // `--no` makes npx fail instead of downloading when buf is not installed.
  for (const args of [
    ["buf", "lint"],
    ["buf", "generate"],
  ]) {
    console.error(`check-generated: (${dir}) npx ${args.join(" ")}`);
    const status = run("npx", ["--no", "--", ...args], dir);
    if (status !== 0) {
      console.error(`check-generated: npx ${args.join(" ")} in ${dir} exited with ${status}`);
      process.exit(2);
    }
  }
}

for (const { dir, gen } of MODULES) {
  generate(dir);
  const changes = git(["status", "--porcelain", "--untracked-files=all", "--", gen]).trimEnd();
  if (changes !== "") {
    console.error(
      [
        `check-generated: ${gen} differs from what \`buf generate\` produces from ${dir}/proto:`,
        changes,
        "",
        `Run \`npx buf generate\` in ${dir} and commit the result with the .proto change.`,
      ].join("\n"),
    );
    process.exit(1);
  }
  console.error(`check-generated: ${gen} is up to date`);
}
