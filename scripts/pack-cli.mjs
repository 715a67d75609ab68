#!/usr/bin/env node
// `npm run pack:cli [-- --out <dir>] [-- --skip-build]`: the CLI and the workspace packages it stands on as
// npm tarballs, to install `ameide-ext` outside the monorepo (docs/cli.md#install-outside-the-monorepo):
//   npm i ./ameide-ext-*.tgz          in a folder of yours (then `npx ameide-ext` there and below), or
//   npm i -g ./ameide-ext-*.tgz       for `ameide-ext` on PATH.
// The packages are not on the npm registry, so they go in together: each one's @ameide-ext/* dependencies
// are the tarballs beside it. It builds them first (turbo, cached), copies the hook templates into the
// CLI's package for `new` (removed again afterwards) and prints the tarballs' paths, one a line.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The CLI and what it imports of ours, dependencies first. */
const CLI_PACKAGES = ["contract", "proto", "component-tools", "pdk", "runtime", "toolkit", "cli"];

const args = process.argv.slice(2);
const outAt = args.indexOf("--out");
const out = resolve(outAt >= 0 && args[outAt + 1] ? args[outAt + 1] : join(root, ".tmp", "pack"));
const skipBuild = args.includes("--skip-build");

const run = (command, commandArgs) =>
  execFileSync(command, commandArgs, { cwd: root, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

if (!skipBuild)
  run("npx", ["--no", "turbo", "run", "build", "--filter=@ameide-ext/cli...", "--output-logs=errors-only"]);

mkdirSync(out, { recursive: true });
// `new` reads the templates beside the CLI's dist when they are there (an installed CLI), else the repo's.
const templates = join(root, "packages", "cli", "templates");
rmSync(templates, { recursive: true, force: true });
cpSync(join(root, "templates"), templates, {
  recursive: true,
  filter: (src) => !/[/\\](node_modules|dist)([/\\]|$)/.test(src),
});
try {
  const workspaces = CLI_PACKAGES.flatMap((p) => ["--workspace", `@ameide-ext/${p}`]);
  const packed = run("npm", ["pack", ...workspaces, "--pack-destination", out, "--loglevel=error"]);
  for (const name of packed.trim().split("\n")) process.stdout.write(`${join(out, name.trim())}\n`);
} finally {
  rmSync(templates, { recursive: true, force: true });
}
