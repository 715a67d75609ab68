// `npm run bench:orders` (repository root): what one extension point costs a domain command (#13, spec 479
// §10.2). A real runtime service runs the domain_hook template as tenant acme's BeforeCreateOrder; the Orders
// service (SQLite in a temp folder) serves CreateOrder over Connect on loopback. Tenant plain has no extension:
// its CreateOrder is the baseline, measured in the same run, interleaved in rounds so both see the same noise.
// Prints p50 and p95 of both and the difference. Goal: the hook adds at most 1 ms at p50.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createCatalog,
  createLocalTokenIssuer,
  createRuntime,
  startRuntimeServer,
} from "@ameide-ext/runtime";
import { buildTestHook, captureLogger, writeModule } from "@ameide-ext/runtime/testing/service";
import { createInMemoryConfigStore, createRuntimeClient, userContext } from "@ameide-ext/sdk";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { OrderService } from "../src/gen/ameide/examples/orders/v1/orders_pb.js";
import { createSqliteOrderStore } from "../src/sqlite-order-store.js";
import { startOrdersServer } from "../src/start-orders-server.js";

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const PER_ROUND = 100;
const GOAL_MS = 1;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

const dir = await mkdtemp(join(tmpdir(), "ameide-bench-orders-"));
const issuer = await createLocalTokenIssuer({ dir });
const ref = await writeModule(dir, "order-guard", await buildTestHook("domain-hook-template"));
const rt = await createRuntime({
  catalog: createCatalog({
    extensions: [
      {
        tenant_id: "acme",
        extension_id: "order-guard",
        version: "1",
        kind: "domain_hook",
        risk_tier: "low",
        wasm_blob_ref: ref,
      },
    ],
    runtime: { pool: { size: 1 }, auth: issuer.auth, log_level: "warn" },
  }),
  logger: captureLogger("silent").logger,
  defaultMetrics: false,
});
await rt.preload();
const runtimeServer = await startRuntimeServer(rt, { port: 0 });
const token = await issuer.mint({ subject: "orders-domain", tenants: ["acme", "plain"] });
const runtime = createRuntimeClient({
  baseUrl: runtimeServer.url as string,
  token: () => token,
  httpVersion: process.env.HTTP_VERSION === "1.1" ? "1.1" : "2",
});
const configs = createInMemoryConfigStore();
configs.set("acme", "orders", "BeforeCreateOrder", { extensionId: "order-guard" });
const orders = await startOrdersServer({
  store: createSqliteOrderStore(join(dir, "orders.db")),
  runtime,
  configs,
  port: 0,
});
const client = createClient(
  OrderService,
  createConnectTransport({ baseUrl: orders.url, httpVersion: "1.1" }),
);

let n = 0;
const lines = [
  { sku: "BOLT-5", quantity: 10, unitPrice: 25, discountPct: 5 },
  { sku: "NUT-2", quantity: 100, unitPrice: 0.4, discountPct: 0 },
];
/** Calls that failed (e.g. the point's 100 ms deadline on a busy machine), by code: timed all the same. */
const failures = new Map<string, number>();
const timed = async (call: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await call().catch((e: unknown) => {
    const code = (e as { code?: unknown }).code;
    failures.set(String(code), (failures.get(String(code)) ?? 0) + 1);
  });
  return performance.now() - started;
};
const createOne = (tenantId: string): Promise<number> =>
  timed(() => client.createOrder({ tenantId, userId: "u-1", orderRef: `SO-${++n}`, currency: "EUR", lines }));

/** The hook's RPC alone: the SDK's invoke of order-guard with the command the domain would send. */
const invokeOne = (): Promise<number> =>
  timed(() =>
    runtime.invoke({
      extensionId: "order-guard",
      ctx: userContext({ tenantId: "acme", userId: "u-1", correlationId: `bench/${++n}` }),
      input: { orderId: `SO-${n}`, customerId: "", currency: "EUR", lines },
      timeoutMs: 100,
    }),
  );

type Path = "plain" | "acme" | "invoke";
const samples: Record<Path, number[]> = { plain: [], acme: [], invoke: [] };
const measure = (path: Path) => (path === "invoke" ? invokeOne() : createOne(path));
const orders3: Path[][] = [
  ["plain", "acme", "invoke"],
  ["acme", "invoke", "plain"],
  ["invoke", "plain", "acme"],
];
for (let i = 0; i < 300; i++) await measure((["plain", "acme", "invoke"] as const)[i % 3] as Path); // warm-up
for (let round = 0; round < ROUNDS; round++)
  for (const path of orders3[round % 3] as Path[])
    for (let i = 0; i < PER_ROUND; i++) samples[path].push(await measure(path));

const row = (name: string, ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  console.log(
    `  ${name.padEnd(54)} p50 ${percentile(sorted, 50).toFixed(3)} ms   p95 ${percentile(sorted, 95).toFixed(3)} ms   (${sorted.length} calls)`,
  );
  return percentile(sorted, 50);
};
console.log(
  `CreateOrder over Connect on loopback, runtime client over HTTP/${process.env.HTTP_VERSION === "1.1" ? "1.1" : "2"}, ${ROUNDS} interleaved rounds of ${PER_ROUND} calls per path:`,
);
const base = row("no extension configured (tenant plain)", samples.plain);
const hooked = row("BeforeCreateOrder = domain_hook template (acme)", samples.acme);
row("the hook's RPC alone (the SDK's invoke, same client)", samples.invoke);
const added = hooked - base;
if (failures.size > 0)
  console.log(
    `  calls that failed, by code (timed all the same): ${JSON.stringify(Object.fromEntries(failures))}`,
  );
console.log(
  `  the hook adds ${added.toFixed(3)} ms at p50; goal at most ${GOAL_MS} ms: ${added <= GOAL_MS ? "PASS" : "MISS"}`,
);

await orders.close();
runtime.close();
await runtimeServer.shutdown(1_000);
await rm(dir, { recursive: true, force: true });
