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
// The registry's PostgreSQL suite runs a real server on loopback: it needs PostgreSQL's binaries; the
// review page's browser test drives headless Chromium; the deploy/ check renders the Kustomize overlays
// with `kubectl kustomize` (Debian's kubernetes-client is kubectl 1.20); the Prometheus alerting rules of the
// SLOs (deploy/prometheus) are checked by promtool, from Debian's prometheus. All come from Debian's
// packages. (SQLite, the embedded default, needs nothing.)
const has = (script) => spawnSync("sh", ["-c", script], { stdio: "ignore" }).status === 0;
const missing = [];
if (!has("command -v initdb || ls /usr/lib/postgresql/*/bin/initdb")) missing.push("postgresql");
if (!has("command -v chromium || command -v chromium-browser")) missing.push("chromium");
if (!has("command -v kubectl")) missing.push("kubernetes-client");
if (!has("command -v promtool")) missing.push("prometheus");
if (missing.length > 0) {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot && has("command -v apt-get")) {
    log(`installing ${missing.join(" and ")} from Debian's packages (apt-get) for the tests ...`);
    const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
    const apt = (args) => {
      const r = spawnSync("apt-get", args, { stdio: ["ignore", "inherit", "inherit"], env: aptEnv });
      if (r.status !== 0) {
        process.stderr.write(`[setup] failed: apt-get ${args.join(" ")}\n`);
        process.exit(1);
      }
    };
    apt(["update", "-qq"]);
    apt(["install", "-y", "-qq", "--no-install-recommends", ...missing]);
  } else {
    log(
      `${missing.join(" and ")} not installed: the registry's PostgreSQL tests, the review page's browser test, the deploy/ check and the Prometheus rules' test need them; install them with \`apt-get install -y ${missing.join(" ")}\``,
    );
  }
}

log("building packages (turbo run build) ...");
run("npx", ["--no", "turbo", "run", "build", "--output-logs=errors-only"]);
log("ready");
