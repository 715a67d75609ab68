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
import { createInMemoryConfigStore, createRuntimeClient } from "@ameide-ext/sdk";
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
const runtime = createRuntimeClient({ baseUrl: runtimeServer.url as string, token: () => token });
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
const createOne = async (tenantId: string): Promise<number> => {
  const started = performance.now();
  await client.createOrder({ tenantId, userId: "u-1", orderRef: `SO-${++n}`, currency: "EUR", lines });
  return performance.now() - started;
};

const samples: Record<"plain" | "acme", number[]> = { plain: [], acme: [] };
for (let i = 0; i < 200; i++) await createOne(i % 2 ? "acme" : "plain"); // warm-up, not counted
for (let round = 0; round < ROUNDS; round++)
  for (const tenant of round % 2 ? (["acme", "plain"] as const) : (["plain", "acme"] as const))
    for (let i = 0; i < PER_ROUND; i++) samples[tenant].push(await createOne(tenant));

const row = (name: string, ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  console.log(
    `  ${name.padEnd(44)} p50 ${percentile(sorted, 50).toFixed(3)} ms   p95 ${percentile(sorted, 95).toFixed(3)} ms   (${sorted.length} calls)`,
  );
  return percentile(sorted, 50);
};
console.log(`CreateOrder over Connect on loopback, ${ROUNDS} interleaved rounds of ${PER_ROUND} per tenant:`);
const base = row("no extension configured (tenant plain)", samples.plain);
const hooked = row("BeforeCreateOrder = domain_hook template (acme)", samples.acme);
const added = hooked - base;
console.log(
  `  the hook adds ${added.toFixed(3)} ms at p50; goal at most ${GOAL_MS} ms: ${added <= GOAL_MS ? "PASS" : "MISS"}`,
);

await orders.close();
runtime.close();
await runtimeServer.shutdown(1_000);
await rm(dir, { recursive: true, force: true });
