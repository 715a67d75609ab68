#!/usr/bin/env node
// One-time (and idempotent) setup: install exactly what package-lock.json pins, then build every package.
// `npm run demo`, `npm test` and `npm run bench` call it first, so a fresh clone needs no other step.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  TURBO_NO_UPDATE_NOTIFIER: "1",
};
const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], env });
  } catch {
    process.stderr.write(`[setup] failed: ${cmd} ${args.join(" ")} (see its output above)\n`);
    process.exit(1);
  }
};
const log = (msg) => process.stderr.write(`[setup] ${msg}\n`);

const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  log("installing dependencies (npm ci) ...");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
} else {
  log("dependencies are installed");
}
log("building packages (turbo run build) ...");
run("npx", ["--no", "turbo", "run", "build", "--output-logs=errors-only"]);
log("ready");
