#!/usr/bin/env node
// The main job, end to end on embedded defaults, through the real CLI: scaffold a hook in a temp folder,
// build it to a WebAssembly component, run its fixtures in the sandboxed engine, and run one invocation.
// Each step prints its command first, as you would type it. Exit 0 when every step succeeds, 1 otherwise.
//
// It runs the built CLI (`npm run setup` builds it; `npm run demo` does that first). With
// AMEIDE_EXT_FROM_SOURCE=1 it runs the CLI from its TypeScript sources instead (the README test does).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fromSource = process.env.AMEIDE_EXT_FROM_SOURCE === "1";
const cli = fromSource
  ? [
      "--conditions=source",
      "--import",
      join(root, "packages/cli/src/testing/register-source-loader.mjs"),
      join(root, "packages/cli/src/main.ts"),
    ]
  : [join(root, "packages/cli/bin/ameide-ext.js")];

const work = mkdtempSync(join(tmpdir(), "ameide-ext-demo-"));
const hook = join(work, "deal-approval");
const steps = [
  ["new", "deal-approval", "--kind", "process_hook", "--dir", hook],
  ["build", hook],
  ["test", hook],
  ["run", hook, "--fixture", join(hook, "tests", "large-low-margin.json")],
];

let failed = false;
for (const args of steps) {
  process.stdout.write(`\n$ ameide-ext ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [...cli, ...args], {
    stdio: "inherit",
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (r.status !== 0) {
    process.stderr.write(`demo: \`ameide-ext ${args[0]}\` exited ${r.status ?? r.signal}\n`);
    failed = true;
    break;
  }
}
rmSync(work, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
