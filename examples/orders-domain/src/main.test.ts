// The `orders-domain` command as a process: started from its source with tsx, against a real runtime
// service running the domain_hook template as tenant acme's BeforeCreateOrder extension, the binding in a
// table of the same SQLite database, or in a real registry (`--registry-url`); called over Connect
// (HTTP); stopped with SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ERROR_DETAILS_HEADER } from "@ameide-ext/contract";
import {
  createCatalog,
  createLocalTokenIssuer,
  createRuntime,
  type RuntimeServer,
  startRuntimeServer,
} from "@ameide-ext/runtime";
import { buildTestHook, captureLogger, writeModule } from "@ameide-ext/runtime/testing/service";
import { createSqlConfigStore } from "@ameide-ext/sdk/sql";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderService } from "./gen/ameide/examples/orders/v1/orders_pb.js";
import { startTestRegistry, type TestRegistry } from "./testing/test-registry.js";

const MAIN = join(import.meta.dirname, "main.ts");
const line = (discountPct: number) => ({ sku: "BOLT-5", quantity: 10, unitPrice: 25, discountPct });
/** tsx, resolved here: the command runs in a temp folder, where `--import tsx` would not find it. */
const TSX = import.meta.resolve("tsx");

/** Starts the command from its source; `ready` is its first stdout line, parsed (`{ text }` when not JSON). */
function startBin(args: string[], cwd: string) {
  const child = spawn(process.execPath, ["--conditions=source", "--import", TSX, MAIN, ...args], {
    cwd,
    env: { ...process.env, AMEIDE_RUNTIME_TOKEN: "", AMEIDE_TOKEN: "", AMEIDE_CONFIG: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`orders-domain exited ${code} before ready: ${stderr}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", (l) =>
      resolve(l.startsWith("{") ? (JSON.parse(l) as Record<string, unknown>) : { text: l }),
    );
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, ready, exited, stderr: () => stderr };
}

describe("orders-domain (the command)", () => {
  let dir: string;
  let runtimeServer: RuntimeServer;
  let running: { child: ChildProcess; exited: Promise<number | null> } | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-orders-bin-"));
    const issuer = await createLocalTokenIssuer({ dir });
    const ref = await writeModule(dir, "order-guard", await buildTestHook("domain-hook-template"));
    // The template twice: as order-guard (bound in the database) and as order-validation, the id the
    // registry's copy has (bound in the registry).
    const entry = (extension_id: string) => ({
      tenant_id: "acme",
      extension_id,
      version: "1",
      kind: "domain_hook" as const,
      risk_tier: "low" as const,
      wasm_blob_ref: ref,
    });
    const rt = await createRuntime({
      catalog: createCatalog({
        extensions: [entry("order-guard"), entry("order-validation")],
        runtime: { pool: { size: 1 }, auth: issuer.auth },
      }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    await rt.preload();
    runtimeServer = await startRuntimeServer(rt, { port: 0 });
    await writeFile(
      join(dir, "runtime-token"),
      `${await issuer.mint({ subject: "orders-domain", tenants: ["acme"] })}\n`,
    );
    // The binding, in the table the command reads from its own database (as a migration would write it).
    const db = new Database(join(dir, "orders.db"));
    const configs = createSqlConfigStore({ sqlite: db });
    await configs.createTable();
    await configs.set("acme", "orders", "BeforeCreateOrder", { extensionId: "order-guard" });
    db.close();
  }, 120_000);

  afterAll(async () => {
    running?.child.kill("SIGKILL");
    await runtimeServer?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it("serves CreateOrder with the tenant's binding from its database, then stops on SIGTERM with 0", async () => {
    const bin = startBin(
      [
        "--port",
        "0",
        "--runtime-url",
        runtimeServer.url as string,
        "--runtime-token-file",
        "runtime-token",
        "--db",
        "orders.db",
      ],
      dir,
    );
    running = bin;
    const ready = await bin.ready;
    expect(ready).toMatchObject({ ok: true, database: join(dir, "orders.db"), bindings: "database" });
    const client = createClient(
      OrderService,
      createConnectTransport({ baseUrl: ready.url as string, httpVersion: "1.1" }),
    );
    const res = await client.createOrder({
      tenantId: "acme",
      orderRef: "SO-1",
      currency: "EUR",
      lines: [line(5)],
    });
    expect(JSON.parse(res.order?.derivedFieldsJson ?? "")).toMatchObject({ netTotal: 237.5 });
    const err = await client
      .createOrder({ tenantId: "acme", orderRef: "SO-2", currency: "EUR", lines: [line(30)] })
      .catch((e: unknown) => ConnectError.from(e));
    expect((err as ConnectError).code).toBe(Code.FailedPrecondition);
    const details = JSON.parse((err as ConnectError).metadata.get(ERROR_DETAILS_HEADER) ?? "{}");
    expect(details.validationMessages.map((m: { code: string }) => m.code)).toEqual(["DISCOUNT_TOO_HIGH"]);
    bin.child.kill("SIGTERM");
    expect(await bin.exited).toBe(0);
    running = undefined;
  }, 60_000);

  it("reads the bindings from a registry with --registry-url and --env; a token it refuses refuses the order", async () => {
    await mkdir(join(dir, "registry"));
    const registry: TestRegistry = await startTestRegistry(join(dir, "registry"));
    try {
      await registry.promoteTemplateToDev();
      const bind = await fetch(`${registry.url}/ameide.transformation.v1.ExtensionService/SetDomainBinding`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${registry.token}` },
        body: JSON.stringify({
          tenantId: "acme",
          env: "ENVIRONMENT_DEV",
          domain: "orders",
          extensionPoint: "BeforeCreateOrder",
          extensionId: "order-validation",
        }),
      });
      expect(bind.status, await bind.text()).toBe(200);
      const common = ["--port", "0", "--runtime-url", runtimeServer.url as string, "--runtime-token-file"];
      const fromRegistry = ["runtime-token", "--registry-url", registry.url, "--env", "dev"];
      const bin = startBin(
        [...common, ...fromRegistry, "--registry-token", registry.token, "--db", "r.db"],
        dir,
      );
      running = bin;
      const ready = await bin.ready;
      expect(ready.bindings).toBe(`registry ${registry.url} (dev)`);
      const client = createClient(
        OrderService,
        createConnectTransport({ baseUrl: ready.url as string, httpVersion: "1.1" }),
      );
      const res = await client.createOrder({
        tenantId: "acme",
        orderRef: "SO-1",
        currency: "EUR",
        lines: [line(5)],
      });
      expect(JSON.parse(res.order?.derivedFieldsJson ?? "")).toMatchObject({ netTotal: 237.5 });
      await expect(
        client.createOrder({ tenantId: "acme", orderRef: "SO-2", currency: "EUR", lines: [line(30)] }),
      ).rejects.toMatchObject({ code: Code.FailedPrecondition });
      bin.child.kill("SIGTERM");
      expect(await bin.exited).toBe(0);

      const refused = startBin(
        [...common, ...fromRegistry, "--registry-token", "not-a-token", "--db", "r2.db"],
        dir,
      );
      running = refused;
      const other = createClient(
        OrderService,
        createConnectTransport({ baseUrl: (await refused.ready).url as string, httpVersion: "1.1" }),
      );
      await expect(
        other.createOrder({ tenantId: "acme", orderRef: "SO-1", currency: "EUR", lines: [line(5)] }),
      ).rejects.toMatchObject({ code: Code.Unauthenticated });
      await expect(other.getOrder({ tenantId: "acme", id: "ord-1" })).rejects.toMatchObject({
        code: Code.NotFound,
      });
      refused.child.kill("SIGTERM");
      expect(await refused.exited).toBe(0);
      running = undefined;
    } finally {
      await registry.close();
    }
  }, 180_000);

  it("exits 2 on a bad option, with one JSON line naming the code", async () => {
    const bin = startBin(["--port", "eighty"], dir);
    expect(await bin.ready).toMatchObject({
      ok: false,
      error: { code: "invalid_argument", reason: "invalid_input" },
    });
    expect(await bin.exited).toBe(2);
    expect(bin.stderr()).toContain("--port");
  }, 30_000);

  it("exits 1 when its database cannot be opened, with unavailable / store_unavailable", async () => {
    await writeFile(join(dir, "a-file"), "");
    const bin = startBin(["--db", join(dir, "a-file", "orders.db")], dir);
    expect(await bin.ready).toMatchObject({
      ok: false,
      error: { code: "unavailable", reason: "store_unavailable" },
    });
    expect(await bin.exited).toBe(1);
  }, 30_000);

  it("prints its help with exit 0", async () => {
    const bin = startBin(["--help"], dir);
    expect(await bin.ready).toEqual({ text: "Usage: orders-domain [options]" });
    expect(await bin.exited).toBe(0);
  }, 30_000);
});
