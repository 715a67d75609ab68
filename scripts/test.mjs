#!/usr/bin/env node
// The one test command (README, .ci/run): generated code in sync, lint, types, then every vitest suite.
// It ends with the line "N passed, N failed" and exits non-zero on any failure.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  TURBO_NO_UPDATE_NOTIFIER: "1",
};
const step = (name, cmd, args) => {
  process.stderr.write(`\n[test] ${name}: ${cmd} ${args.join(" ")}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  if (r.status !== 0) {
    process.stderr.write(`[test] ${name} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
};

step("generated code is in sync", "node", ["scripts/check-generated.mjs"]);
step("lint and format (warnings are errors)", "npx", ["--no", "biome", "ci", "--error-on-warnings", "."]);
step("types", "npx", ["--no", "turbo", "run", "typecheck", "--output-logs=errors-only"]);

const report = join(root, ".tmp", "vitest.json");
mkdirSync(dirname(report), { recursive: true });
process.stderr.write("\n[test] tests: npx vitest run\n");
const r = spawnSync(
  "npx",
  ["--no", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${report}`],
  {
    cwd: root,
    stdio: "inherit",
    env,
  },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed = json.numPassedTests;
  failed = json.numFailedTests;
  skipped = json.numPendingTests + json.numTodoTests;
} catch {
  failed = Math.max(1, failed);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(r.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
