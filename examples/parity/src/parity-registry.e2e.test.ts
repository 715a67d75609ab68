// The parity hooks the way a team ships them: `ameide-ext dev` (the real registry and a runtime watching the
// catalog it writes), `ameide-ext promote <hook> --env dev` (upload, remote compile and fixtures, automatic
// promotion of a low-risk hook), then the Orders service over Connect with tenant `local`'s points bound to
// the promoted versions by `ameide-ext bind`, read by the Orders domain from the registry (createRegistryConfigStore).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ERROR_DETAILS_HEADER } from "@ameide-ext/contract";
import {
  createSqliteOrderStore,
  OrderService,
  type OrdersServer,
  startOrdersServer,
} from "@ameide-ext/example-orders-domain";
import {
  createRegistryConfigStore,
  createRuntimeClient,
  type RegistryConfigStore,
  type RuntimeClient,
  userContext,
} from "@ameide-ext/sdk";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARITY_HOOKS, type ParityHookId } from "./parity-hooks.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The CLI from its sources, as a process (nothing imports the CLI). */
const CLI = [
  "--conditions=source",
  "--import",
  join(ROOT, "packages/toolkit/src/testing/register-source-loader.mjs"),
  join(ROOT, "packages/cli/src/main.ts"),
];

/** What `ameide-ext dev --json` prints once the registry and the runtime are up. */
interface DevStackDoc {
  registryUrl: string;
  runtimeUrl: string;
  runtimeToken: string;
  configFile: string;
  tenant: string;
}

/** Starts `ameide-ext dev` and resolves once it printed its document. */
function startDevStack(dir: string): Promise<{ child: ChildProcess; doc: DevStackDoc }> {
  const args = [...CLI, "dev", "--dir", dir, "--registry-port", "0", "--runtime-port", "0"];
  const child = spawn(process.execPath, [...args, "--log-level", "error", "--json"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`ameide-ext dev exited ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", (line) =>
      resolve({ child, doc: JSON.parse(line) as DevStackDoc }),
    );
  });
}

/** Waits (bounded) until the runtime has picked the promoted version up from the catalog file. */
async function untilServed(runtime: RuntimeClient, extensionId: string, tenantId: string): Promise<void> {
  const ctx = userContext({ tenantId, userId: "warm-up", correlationId: `warm-up/${extensionId}` });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const served = await runtime
      .invoke({ extensionId, ctx, input: { command: {}, result: {}, lines: [] }, timeoutMs: 5_000 })
      .then(
        () => true,
        () => false,
      );
    if (served) return;
    if (Date.now() > deadline) throw new Error(`the runtime never served ${extensionId}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the parity hooks promoted through the registry, at the Orders domain's points", () => {
  let work: string;
  let stack: { child: ChildProcess; doc: DevStackDoc };
  let runtime: RuntimeClient;
  let orders: OrdersServer;
  let client: Client<typeof OrderService>;
  const promoted: Record<string, unknown> = {};
  const bound: Record<string, unknown> = {};
  let configs: RegistryConfigStore;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-parity-registry-"));
    stack = await startDevStack(join(work, ".stack"));
    const env = { ...process.env, NO_COLOR: "1", AMEIDE_CONFIG: stack.doc.configFile };
    for (const id of ["pricing-badi", "coc-validate-after"] as ParityHookId[]) {
      const r = spawnSync(process.execPath, [...CLI, "promote", PARITY_HOOKS[id], "--env", "dev", "--json"], {
        cwd: ROOT,
        env,
        encoding: "utf8",
      });
      promoted[id] = r.status === 0 ? JSON.parse(r.stdout) : { status: r.status, stderr: r.stderr };
    }
    runtime = createRuntimeClient({ baseUrl: stack.doc.runtimeUrl, token: () => stack.doc.runtimeToken });
    for (const id of Object.keys(promoted)) await untilServed(runtime, id, stack.doc.tenant);
    const bind = (point: string, extension: string, ...more: string[]) => {
      const args = [...CLI, "bind", `orders/${point}`, extension, "--env", "dev", ...more, "--json"];
      const r = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: "utf8" });
      bound[point] = r.status === 0 ? JSON.parse(r.stdout) : { status: r.status, stderr: r.stderr };
    };
    bind("BeforeCreateOrder", "pricing-badi", "--version", "1");
    bind("AfterCreateOrder", "coc-validate-after");
    const { token } = JSON.parse(readFileSync(stack.doc.configFile, "utf8")) as { token: string };
    configs = createRegistryConfigStore({
      baseUrl: stack.doc.registryUrl,
      token: () => token,
      env: "dev",
      domain: "orders",
    });
    orders = await startOrdersServer({
      store: createSqliteOrderStore(join(work, "orders.db")),
      runtime,
      configs,
      port: 0,
    });
    client = createClient(OrderService, createConnectTransport({ baseUrl: orders.url, httpVersion: "1.1" }));
  }, 300_000);

  afterAll(async () => {
    configs?.close();
    await orders?.close();
    runtime?.close();
    if (stack) {
      const exited = new Promise((r) => stack.child.once("exit", r));
      stack.child.kill("SIGTERM");
      await exited;
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("binds tenant local's two points with ameide-ext bind, to the promoted versions", () => {
    expect(bound).toMatchObject({
      BeforeCreateOrder: { ok: true },
      AfterCreateOrder: { ok: true },
    });
  });

  it("promotes each hook to dev at once: compiled and tested by the registry, low risk", () => {
    for (const id of ["pricing-badi", "coc-validate-after"]) {
      expect(promoted[id]).toMatchObject({
        ok: true,
        extension: id,
        state: "promoted_dev",
        deployments: { dev: "1" },
        compile: { status: "succeeded" },
      });
    }
  });

  it("refuses an order with an unpriced line: failed_precondition with PRICE_MISSING", async () => {
    const err = await client
      .createOrder({
        tenantId: stack.doc.tenant,
        orderRef: "SO-1",
        customerId: "C-1",
        currency: "EUR",
        lines: [{ sku: "SPARE-KIT", quantity: 1, unitPrice: 0, discountPct: 0 }],
      })
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    expect(err?.code).toBe(Code.FailedPrecondition);
    const details = JSON.parse(err?.metadata.get(ERROR_DETAILS_HEADER) ?? "{}");
    expect(details.validationMessages.map((m: { code: string }) => m.code)).toEqual(["PRICE_MISSING"]);
  });

  it("stores a priced order with pricedLines and netTotal; the answer has the after hook's fields", async () => {
    const res = await client.createOrder({
      tenantId: stack.doc.tenant,
      userId: "u-7",
      orderRef: "SO-2",
      customerId: "C-1",
      currency: "EUR",
      lines: [{ sku: "WIDGET-10", quantity: 10, unitPrice: 120, discountPct: 0 }],
    });
    expect(JSON.parse(res.order?.derivedFieldsJson ?? "")).toEqual({
      pricedLines: [
        {
          sku: "WIDGET-10",
          quantity: 10,
          listPrice: 120,
          tierPct: 5,
          discountPct: 5,
          netPrice: 114,
          netAmount: 1140,
        },
      ],
      netTotal: 1140,
    });
    expect(JSON.parse(res.afterFieldsJson)).toEqual({
      riskFlag: "normal",
      riskReasons: [],
      followUpTask: { subject: "Confirm order SO-2 with customer C-1", owner: "user:u-7", dueInDays: 5 },
    });
  });
});
