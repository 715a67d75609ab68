#!/usr/bin/env node
// The main job, end to end on embedded defaults: spec 479 §7 on one machine, through the real CLI.
//   1. scaffold a deal-approval hook in a temp folder;
//   2. build it, test it, run it once;
//   3. start the local stack (`ameide-ext dev`: the registry and a runtime service) and promote the
//      low-risk hook to dev, where it is promoted automatically once it compiles and passes its tests;
//   4. invoke it through the runtime service with the SDK;
//   5. ship version 2 (a lower threshold), roll back to version 1, and invoke again;
//   6. the last act, a Domain primitive using an extension: scaffold an order-guard domain_hook, test
//      it, promote it to dev, bind it to orders/BeforeCreateOrder for the stack's tenant (`local`), start
//      the Orders service (examples/orders-domain) against the stack's runtime and registry, create one
//      order the hook accepts (stored with its derived fields) and one it refuses (its messages), stop it.
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
import { ERROR_DETAILS_HEADER, fromConnectError } from "@ameide-ext/contract";
import { OrderService } from "@ameide-ext/example-orders-domain";
import { createRuntimeClient, userContext } from "@ameide-ext/sdk";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";

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
const ordersBin = fromSource
  ? [...cli.slice(0, 3), join(root, "examples/orders-domain/src/main.ts")]
  : [join(root, "examples/orders-domain/dist/main.js")];

const work = mkdtempSync(join(tmpdir(), "ameide-ext-demo-"));
const hook = join(work, "deal-approval");
const guard = join(work, "order-guard");
let env = { ...process.env, NO_COLOR: "1" };
let stack;
let orders;
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

/** Starts the Orders service (`orders-domain`) and resolves once its ready line is out. */
const startOrders = (args) =>
  new Promise((resolve, reject) => {
    process.stdout.write(`\n$ orders-domain ${args.join(" ")} &\n`);
    const child = spawn(process.execPath, [...ordersBin, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      env,
    });
    child.once("exit", (code) => reject(new Error(`orders-domain exited ${code}`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      const doc = JSON.parse(line);
      if (!doc.ok) return reject(new Error(`orders-domain did not start: ${doc.error?.message}`));
      process.stdout.write(`orders ${doc.url}, bindings from the ${doc.bindings}\n`);
      resolve({ child, doc });
    });
  });

/** Waits (bounded) until the runtime runs `extensionId` for the tenant: it reads the catalog promote wrote. */
const waitForExtension = async (runtime, ctx, extensionId, input) => {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await runtime.invoke({ extensionId, ctx, input }).catch((e) => e);
    if (r.outcome === "ok") return;
    if (Date.now() > deadline)
      throw new Error(`the runtime does not run ${extensionId}: ${JSON.stringify(r)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
};

/** One CreateOrder over Connect, printed as the request and its answer: the order, or the refusal's code and messages. */
const createOrderShown = async (client, request, want) => {
  const ln = request.lines[0];
  process.stdout.write(
    `\nCreateOrder ${request.tenantId} ${request.orderRef}: ${ln.quantity} x ${ln.sku} at ${ln.unitPrice} ${request.currency}, ${ln.discountPct}% off\n`,
  );
  try {
    const { order } = await client.createOrder(request);
    process.stdout.write(`  -> stored ${order.id}, derived fields ${order.derivedFieldsJson}\n`);
    if (want !== "stored")
      throw new Error(`order ${request.orderRef} was stored; the hook should have refused it`);
  } catch (cause) {
    if (!(cause instanceof ConnectError)) throw cause;
    const error = fromConnectError(cause);
    const messages = JSON.parse(cause.metadata.get(ERROR_DETAILS_HEADER) ?? "{}").validationMessages ?? [];
    process.stdout.write(`  -> refused: ${error.code}: ${error.message}\n`);
    for (const m of messages)
      process.stdout.write(`     ${m.severity} ${m.code} at ${m.field}: ${m.message}\n`);
    if (want !== "refused" || messages.length === 0) throw cause;
  }
};

/** The last act: a Domain primitive running the tenant's extension at BeforeCreateOrder. */
const ordersAct = async (runtime, ctx) => {
  process.stdout.write("\n--- the Orders domain runs tenant local's extension at BeforeCreateOrder ---\n");
  ameideExt("new", "order-guard", "--kind", "domain_hook", "--dir", guard);
  ameideExt("test", guard);
  ameideExt("promote", guard, "--env", "dev");
  ameideExt("bind", "orders/BeforeCreateOrder", "order-guard", "--env", "dev");
  const line = { sku: "BOLT-5", quantity: 10, unitPrice: 25 };
  await waitForExtension(runtime, ctx, "order-guard", { currency: "EUR", lines: [line] });
  orders = await startOrders([
    "--port",
    "0",
    "--runtime-url",
    stack.doc.runtimeUrl,
    "--runtime-token-file",
    stack.doc.runtimeTokenFile,
    "--registry-url",
    stack.doc.registryUrl,
    "--env",
    "dev",
    "--db",
    join(work, "orders.db"),
  ]);
  const client = createClient(
    OrderService,
    createConnectTransport({ baseUrl: orders.doc.url, httpVersion: "1.1" }),
  );
  const order = (orderRef, discountPct) => ({
    tenantId: stack.doc.tenant,
    userId: "demo",
    orderRef,
    customerId: "C-100",
    currency: "EUR",
    lines: [{ ...line, discountPct }],
  });
  await createOrderShown(client, order("SO-1001", 5), "stored");
  await createOrderShown(client, order("SO-1002", 30), "refused");
  process.stdout.write("\n(stop orders-domain: SIGTERM)\n");
  await stopOrders();
};

/** Stops the Orders service; it must exit 0. */
const stopOrders = async () => {
  if (!orders) return;
  const { child } = orders;
  orders = undefined;
  child.removeAllListeners("exit");
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const code = await exited;
  if (code !== 0) throw new Error(`orders-domain exited ${code} on SIGTERM`);
};

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
  await ordersAct(runtime, ctx);
  runtime.close();
  process.stdout.write("\ndemo: the whole lifecycle ran\n");
} catch (cause) {
  process.stderr.write(`demo: ${cause instanceof Error ? cause.message : String(cause)}\n`);
  failed = true;
} finally {
  await stopOrders().catch(() => {});
  if (stack) {
    stack.child.removeAllListeners("exit");
    stack.child.kill("SIGINT");
    await new Promise((done) => stack.child.once("exit", done));
  }
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
