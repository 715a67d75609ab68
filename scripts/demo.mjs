#!/usr/bin/env node
// The main job, end to end on embedded defaults: spec 479 §7 on one machine, through the real CLI.
//   1. scaffold a deal-approval hook in a temp folder;
//   2. build it, test it, run it once;
//   3. start the local stack (`ameide-ext dev`: the registry and a runtime service) and promote the
//      low-risk hook to dev, where it is promoted automatically once it compiles and passes its tests;
//   4. invoke it through the runtime service with the SDK;
//   5. ship version 2 (a lower threshold), roll back to version 1, and invoke again.
// Each CLI step prints its command first, as you would type it. Exit 0 when every step gives what it
// should, 1 otherwise.
//
// It runs the built packages (`npm run demo` builds them first). With AMEIDE_EXT_FROM_SOURCE=1, start it
// as `node --conditions=source --import ./packages/toolkit/src/testing/register-source-loader.mjs` and it
// runs everything from the TypeScript sources instead (the README test does).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createRuntimeClient, userContext } from "@ameide-ext/sdk";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fromSource = process.env.AMEIDE_EXT_FROM_SOURCE === "1";
const cli = fromSource
  ? [
      "--conditions=source",
      "--import",
      join(root, "packages/toolkit/src/testing/register-source-loader.mjs"),
      join(root, "packages/cli/src/main.ts"),
    ]
  : [join(root, "packages/cli/bin/ameide-ext.js")];

const work = mkdtempSync(join(tmpdir(), "ameide-ext-demo-"));
const hook = join(work, "deal-approval");
let env = { ...process.env, NO_COLOR: "1" };
let stack;
let failed = false;

const ameideExt = (...args) => {
  process.stdout.write(`\n$ ameide-ext ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [...cli, ...args], { stdio: "inherit", env });
  if (r.status !== 0) throw new Error(`\`ameide-ext ${args[0]}\` exited ${r.status ?? r.signal}`);
};

/** Starts `ameide-ext dev` and resolves with its JSON document once the registry and the runtime are up. */
const startStack = () =>
  new Promise((resolve, reject) => {
    process.stdout.write(
      `\n$ ameide-ext dev --dir ${join(work, ".stack")} --registry-port 0 --runtime-port 0 --json &\n`,
    );
    const child = spawn(
      process.execPath,
      [
        ...cli,
        "dev",
        "--dir",
        join(work, ".stack"),
        "--registry-port",
        "0",
        "--runtime-port",
        "0",
        "--log-level",
        "warn",
        "--json",
      ],
      { stdio: ["ignore", "pipe", "inherit"], env },
    );
    child.once("exit", (code) => reject(new Error(`ameide-ext dev exited ${code}`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      const doc = JSON.parse(line);
      process.stdout.write(
        `registry ${doc.registryUrl}, runtime ${doc.runtimeUrl}, catalog ${doc.catalog}\n`,
      );
      resolve({ child, doc });
    });
  });

try {
  ameideExt("new", "deal-approval", "--kind", "process_hook", "--dir", hook);
  ameideExt("build", hook);
  ameideExt("test", hook);
  ameideExt("run", hook, "--fixture", join(hook, "tests", "large-low-margin.json"));

  stack = await startStack();
  env = { ...env, AMEIDE_CONFIG: stack.doc.configFile };
  ameideExt("promote", hook, "--env", "dev");

  // The runtime authenticates its callers: the stack's caller token acts for its tenant.
  const runtime = createRuntimeClient({
    baseUrl: stack.doc.runtimeUrl,
    protocol: "connect",
    token: () => stack.doc.runtimeToken,
  });
  const ctx = userContext({ tenantId: stack.doc.tenant, userId: "demo" });
  const deal = { dealId: "D-2031", amount: 30_000, marginPct: 5 };
  // The runtime picks catalog changes up from the file, with no restart: wait (bounded) for the route.
  const expectRoute = async (want) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await runtime.invoke({ extensionId: "deal-approval", ctx, input: deal }).catch((e) => e);
      if (r.outcome === "ok" && r.output.route === want) {
        process.stdout.write(
          `\ninvoke deal-approval@latest ${JSON.stringify(deal)}\n  -> ${JSON.stringify(r.output)} (fuel ${r.stats.fuelUsed})\n`,
        );
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`the runtime did not answer route ${want}: ${JSON.stringify(r)}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  };
  await expectRoute("standard");

  // Version 2: deals over 20k (not 50k) with a low margin need the extra approval.
  const src = join(hook, "src", "index.ts");
  writeFileSync(
    src,
    readFileSync(src, "utf8").replace("AMOUNT_THRESHOLD: f64 = 50_000", "AMOUNT_THRESHOLD: f64 = 20_000"),
  );
  process.stdout.write(`\n(edit ${src}: the amount threshold is now 20,000)\n`);
  ameideExt("test", hook, "--update");
  ameideExt("promote", hook, "--env", "dev");
  await expectRoute("extra_approval");

  ameideExt(
    "rollback",
    "deal-approval",
    "--env",
    "dev",
    "--to",
    "1",
    "--comment",
    "v2 routes too many deals",
  );
  await expectRoute("standard");
  ameideExt("status", hook);
  runtime.close();
  process.stdout.write("\ndemo: the whole lifecycle ran\n");
} catch (cause) {
  process.stderr.write(`demo: ${cause instanceof Error ? cause.message : String(cause)}\n`);
  failed = true;
} finally {
  if (stack) {
    stack.child.removeAllListeners("exit");
    stack.child.kill("SIGINT");
    await new Promise((done) => stack.child.once("exit", done));
  }
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
