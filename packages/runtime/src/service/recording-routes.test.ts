import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "../catalog/parse-catalog.js";
import {
  buildTestHook,
  captureLogger,
  invokeRequest,
  type TestHook,
  writeModule,
} from "../testing/service-fixtures.js";
import { createRuntime, type Runtime } from "./create-runtime.js";
import { createLocalTokenIssuer, type LocalTokenIssuer } from "./local-token-issuer.js";
import { resolveRuntimeSettings } from "./runtime-settings.js";
import { type RuntimeServer, startRuntimeServer } from "./start-runtime-server.js";

describe("the recordings' routes are tenant-scoped", () => {
  let dir: string;
  let issuer: LocalTokenIssuer;
  let runtime: Runtime;
  let server: RuntimeServer;
  let echo: TestHook;
  const tokens: Record<string, string> = {};

  const get = async (path: string, token?: string) => {
    const res = await fetch(`${server.url}${path}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    const type = res.headers.get("content-type") ?? "";
    const body = type.includes("json") ? await res.json() : new Uint8Array(await res.arrayBuffer());
    return { status: res.status, body: body as Record<string, unknown> & Uint8Array };
  };
  const keysOf = async (tenant: string, token: string) =>
    (await get(`/v1/recordings?tenant=${tenant}&extension=echo`, token)).body.recordings as string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-recroutes-"));
    issuer = await createLocalTokenIssuer({ dir });
    echo = await buildTestHook("echo", "1");
    const entry = async (tenant: string) => ({
      tenant_id: tenant,
      extension_id: "echo",
      version: "1",
      kind: "process_hook" as const,
      risk_tier: "low" as const,
      wasm_blob_ref: await writeModule(dir, "echo", echo, tenant),
      recording: { sample: 1 },
    });
    const runtimeSection = {
      pool: { size: 1 },
      auth: issuer.auth,
      recordings: { location: join(dir, "store") },
    };
    runtime = await createRuntime({
      catalog: createCatalog({
        runtime: runtimeSection,
        extensions: [await entry("acme"), await entry("globex")],
      }),
      settings: resolveRuntimeSettings(runtimeSection),
      logger: captureLogger("warn").logger,
      defaultMetrics: false,
    });
    server = await startRuntimeServer(runtime, { port: 0 });
    tokens.acme = await issuer.mint({ subject: "acme-svc", tenants: ["acme"] });
    tokens.globex = await issuer.mint({ subject: "globex-svc", tenants: ["globex"] });
    tokens.platform = await issuer.mint({ subject: "platform", tenants: ["*"] });
    for (const tenantId of ["acme", "globex"])
      await runtime.invokeExtension(invokeRequest({ extensionId: "echo", tenantId, input: { tenantId } }));
    await new Promise((r) => setImmediate(r));
    await runtime.recordings?.flush();
  });
  afterAll(async () => {
    await server?.shutdown(100);
    await rm(dir, { recursive: true, force: true });
  });

  it("lists and reads a tenant's recordings with that tenant's token", async () => {
    const keys = await keysOf("acme", tokens.acme as string);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^recordings\/acme\/echo\/1\/\d{8}T\d{9}Z-[0-9a-f]+\.json$/);
    const one = await get(`/v1/recording?key=${encodeURIComponent(keys[0] as string)}`, tokens.acme);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ tenant_id: "acme", input_json: '{"tenantId":"acme"}' });
    const module = await get("/v1/module?tenant=acme&extension=echo&version=1", tokens.acme);
    expect(module.status).toBe(200);
    expect(Buffer.from(module.body).equals(Buffer.from(echo.bytes))).toBe(true);
  });

  it("never lists nor reads one tenant's recordings, nor its module, with another's token (permission_denied / tenant_not_allowed)", async () => {
    const [acmeKey] = await keysOf("acme", tokens.acme as string);
    const refusals = [
      await get("/v1/recordings?tenant=acme&extension=echo", tokens.globex),
      await get(`/v1/recording?key=${encodeURIComponent(acmeKey as string)}`, tokens.globex),
      await get("/v1/module?tenant=acme&extension=echo&version=1", tokens.globex),
    ];
    for (const r of refusals) {
      expect(r.status).toBe(403);
      expect(r.body.error).toMatchObject({ code: "permission_denied", reason: "tenant_not_allowed" });
    }
    expect(JSON.stringify(refusals)).not.toContain('"input_json"');
    // Its own are still its own, and a platform token (every tenant) sees both.
    expect(await keysOf("globex", tokens.globex as string)).toHaveLength(1);
    expect(await keysOf("acme", tokens.platform as string)).toHaveLength(1);
  });

  it("refuses a caller without a token (unauthenticated / caller_unauthenticated)", async () => {
    const r = await get("/v1/recordings?tenant=acme&extension=echo");
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: "unauthenticated", reason: "caller_unauthenticated" });
  });

  it("refuses hostile keys and parameters (invalid_argument / invalid_input), and still serves", async () => {
    const hostile = [
      "/v1/recording?key=recordings/acme/../globex/echo/1/20261206T000000000Z-aaaaaaaaaaaaaaaa.json",
      "/v1/recording?key=..%2F..%2Fetc%2Fpasswd",
      "/v1/recording?key=recordings/acme/echo/1/x.json",
      "/v1/recordings?tenant=..&extension=echo",
      "/v1/recordings?tenant=acme&extension=echo&since=yesterday",
      "/v1/recordings?tenant=acme&extension=echo&limit=0",
    ];
    for (const path of hostile) {
      const r = await get(path, tokens.platform);
      expect(r.status, path).toBe(400);
      expect(r.body.error, path).toMatchObject({ code: "invalid_argument", reason: "invalid_input" });
    }
    expect(await keysOf("acme", tokens.acme as string)).toHaveLength(1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("lists from a time on (since)", async () => {
    const later = new Date(Date.now() + 60_000).toISOString();
    expect(
      (await get(`/v1/recordings?tenant=acme&extension=echo&since=${later}`, tokens.acme)).body.recordings,
    ).toEqual([]);
  });
});
