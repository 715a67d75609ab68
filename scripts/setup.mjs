#!/usr/bin/env node
// One-time (and idempotent) setup: install exactly what package-lock.json pins, then build every package.
// `npm run demo`, `npm test` and `npm run bench` call it first, so a fresh clone needs no other step.
import { execFileSync, spawnSync } from "node:child_process";
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
// The registry's PostgreSQL suite runs a real server on loopback: it needs PostgreSQL's binaries,
// from Debian's packages. (SQLite, the embedded default, needs nothing.)
const hasPostgres =
  spawnSync("sh", ["-c", "command -v initdb || ls /usr/lib/postgresql/*/bin/initdb"], { stdio: "ignore" })
    .status === 0;
if (!hasPostgres) {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (isRoot && hasApt) {
    log("installing PostgreSQL from Debian's packages (apt-get) for the registry's tests ...");
    const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
    const apt = (args) => {
      const r = spawnSync("apt-get", args, { stdio: ["ignore", "inherit", "inherit"], env: aptEnv });
      if (r.status !== 0) {
        process.stderr.write(`[setup] failed: apt-get ${args.join(" ")}\n`);
        process.exit(1);
      }
    };
    apt(["update", "-qq"]);
    apt(["install", "-y", "-qq", "--no-install-recommends", "postgresql"]);
  } else {
    log(
      "PostgreSQL is not installed: the registry's PostgreSQL tests will fail; install it with `apt-get install -y postgresql`",
    );
  }
}

log("building packages (turbo run build) ...");
run("npx", ["--no", "turbo", "run", "build", "--output-logs=errors-only"]);
log("ready");
