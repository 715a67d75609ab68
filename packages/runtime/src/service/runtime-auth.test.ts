import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent } from "node:http";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExtensionError } from "@ameide-ext/contract";
import { fromConnectError } from "@ameide-ext/contract";
import { type InvokeExtensionRequest, Outcome, WasmExtensionRuntime } from "@ameide-ext/proto";
import { CrmService } from "@ameide-ext/proto/testing";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { createLocalJWKSet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "../catalog/parse-catalog.js";
import {
  buildTestHook,
  type CrmServiceHandle,
  captureLogger,
  invokeRequest,
  spawnRuntime,
  startCrmService,
  writeModule,
} from "../testing/service-fixtures.js";
import { USER_TOKEN_HEADER } from "./caller-authenticator.js";
import { createRuntime, type Runtime } from "./create-runtime.js";
import { createLocalTokenIssuer, type LocalTokenIssuer } from "./local-token-issuer.js";
import { resolveRuntimeSettings } from "./runtime-settings.js";
import { type RuntimeServer, startRuntimeServer } from "./start-runtime-server.js";

type RuntimeRpc = Client<typeof WasmExtensionRuntime>;

/** The call's ExtensionError (code, reason), or "ok" with the response's outcome. */
async function attempt(
  client: RuntimeRpc,
  req: InvokeExtensionRequest,
  headers: Record<string, string> = {},
): Promise<{ code: string; reason?: string | undefined } | { outcome: Outcome; output: unknown }> {
  try {
    const res = await client.invokeExtension(req, { headers });
    return { outcome: res.outcome, output: JSON.parse(new TextDecoder().decode(res.outputJson) || "null") };
  } catch (cause) {
    const err: ExtensionError = fromConnectError(cause);
    return { code: err.code, reason: err.reason };
  }
}

const OK = { outcome: Outcome.OK };

describe("the runtime server authenticates its callers (issue #10, item 0)", () => {
  let dir: string;
  let socket: string;
  let issuer: LocalTokenIssuer;
  let stranger: LocalTokenIssuer;
  let runtime: Runtime;
  let server: RuntimeServer;
  let crm: CrmServiceHandle;
  let tcp: RuntimeRpc;
  let uds: RuntimeRpc;
  let udsH2: RuntimeRpc;
  let tcpH2: RuntimeRpc;
  const agents: Agent[] = [];
  const sessions: Http2SessionManager[] = [];
  const log = captureLogger("warn");
  const bearer = async (tenants: string[], subject = "crm-service") => ({
    authorization: `Bearer ${await issuer.mint({ subject, tenants })}`,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-auth-"));
    socket = join(dir, "runtime.sock");
    issuer = await createLocalTokenIssuer({
      dir,
      socketPeer: { principal: "co-located-crm", tenants: ["acme"] },
    });
    // Same issuer name and audience, another key: what a forger has.
    stranger = await createLocalTokenIssuer({ dir: await mkdtemp(join(dir, "stranger-")) });
    const echo = await buildTestHook("echo", "1");
    const caller = await buildTestHook("caller");
    crm = await startCrmService((header, token) => createLocalJWKSet(runtime.jwks)(header, token));
    const base = {
      kind: "process_hook",
      version: "1",
      risk_tier: "low",
      limits: { timeout_ms: 2000 },
    } as const;
    const catalog = createCatalog({
      runtime: { pool: { size: 1 }, auth: issuer.auth },
      host_services: { [CrmService.typeName]: { url: crm.url } },
      extensions: [
        {
          ...base,
          tenant_id: "acme",
          extension_id: "echo",
          wasm_blob_ref: await writeModule(dir, "echo", echo, "acme"),
        },
        {
          tenant_id: "acme",
          extension_id: "reader",
          version: "1",
          kind: "domain_hook",
          risk_tier: "medium",
          wasm_blob_ref: await writeModule(dir, "caller", caller, "acme"),
          limits: { timeout_ms: 5000 },
          host_calls: [{ service: CrmService.typeName, method: "GetCustomer", read_only: true }],
        },
        {
          ...base,
          tenant_id: "globex",
          extension_id: "echo",
          wasm_blob_ref: await writeModule(dir, "echo", echo, "globex"),
        },
      ],
    });
    runtime = await createRuntime({ catalog, logger: log.logger, defaultMetrics: false });
    server = await startRuntimeServer(runtime, { port: 0, socket });
    const h1 = (nodeOptions: Record<string, unknown>) => {
      const agent = new Agent({ keepAlive: true });
      agents.push(agent);
      return createConnectTransport({
        baseUrl: server.url ?? "http://localhost",
        httpVersion: "1.1",
        nodeOptions: { agent, ...nodeOptions },
      });
    };
    tcp = createClient(WasmExtensionRuntime, h1({}));
    uds = createClient(WasmExtensionRuntime, h1({ socketPath: socket }));
    const session = new Http2SessionManager(
      "http://localhost",
      {},
      { createConnection: () => netConnect(socket) },
    );
    sessions.push(session);
    const tcpSession = new Http2SessionManager(server.url ?? "http://localhost");
    sessions.push(tcpSession);
    tcpH2 = createClient(
      WasmExtensionRuntime,
      createConnectTransport({ baseUrl: server.url ?? "", httpVersion: "2", sessionManager: tcpSession }),
    );
    udsH2 = createClient(
      WasmExtensionRuntime,
      createConnectTransport({ baseUrl: "http://localhost", httpVersion: "2", sessionManager: session }),
    );
  }, 60_000);
  afterAll(async () => {
    for (const s of sessions) s.abort();
    for (const a of agents) a.destroy();
    await server?.shutdown(100);
    await crm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const acme = () => invokeRequest({ extensionId: "echo", tenantId: "acme", input: { n: 1 } });
  const globex = () => invokeRequest({ extensionId: "echo", tenantId: "globex", input: { n: 2 } });

  it("refuses a call without a token (unauthenticated/caller_unauthenticated), then serves a valid one", async () => {
    expect(await attempt(tcp, acme())).toEqual({ code: "unauthenticated", reason: "caller_unauthenticated" });
    expect(await attempt(tcp, acme(), { authorization: "Basic YTpi" })).toMatchObject({
      code: "unauthenticated",
      reason: "caller_unauthenticated",
    });
    expect(await attempt(tcp, acme(), await bearer(["acme"]))).toMatchObject(OK);
    expect(log.lines.some((l) => l.event === "caller_refused")).toBe(true);
    expect(await runtime.metrics.render()).toMatch(
      /ameide_ext_caller_refusals_total\{code="unauthenticated",reason="caller_unauthenticated"\} [1-9]/,
    );
  });

  it("refuses a bad signature, a wrong issuer or audience, an expired token and garbage", async () => {
    const forged = await stranger.mint({ subject: "crm-service", tenants: ["*"] });
    const wrongIssuer = await issuer.mint({ subject: "s", tenants: ["*"], extra: { iss: "someone-else" } });
    const wrongAudience = await issuer.mint({
      subject: "s",
      tenants: ["*"],
      extra: { aud: "another-service" },
    });
    const expired = await issuer.mint({
      subject: "s",
      tenants: ["*"],
      extra: { exp: Math.floor(Date.now() / 1000) - 60 },
    });
    const unsigned = `${forged.split(".").slice(0, 2).join(".")}.`;
    for (const token of [
      forged,
      wrongIssuer,
      wrongAudience,
      expired,
      unsigned,
      "not-a-jwt",
      "x".repeat(9000),
    ]) {
      expect(await attempt(tcp, acme(), { authorization: `Bearer ${token}` })).toEqual({
        code: "unauthenticated",
        reason: "caller_unauthenticated",
      });
    }
    expect(await attempt(tcp, acme(), await bearer(["acme"]))).toMatchObject(OK);
  });

  it("refuses a context for a tenant outside the caller's (permission_denied/tenant_not_allowed)", async () => {
    expect(await attempt(tcp, globex(), await bearer(["acme"]))).toEqual({
      code: "permission_denied",
      reason: "tenant_not_allowed",
    });
    expect(await attempt(tcp, acme(), await bearer([]))).toMatchObject({ reason: "tenant_not_allowed" });
    expect(await attempt(tcp, globex(), await bearer(["globex"]))).toMatchObject(OK);
  });

  it("lets a platform service (tenants ['*']) act for any tenant", async () => {
    const platform = await bearer(["*"], "platform-workflows");
    expect(await attempt(tcp, acme(), platform)).toMatchObject(OK);
    expect(await attempt(tcp, globex(), platform)).toMatchObject(OK);
  });

  it("takes the user from the end user's token and refuses a context that contradicts it (context_mismatch)", async () => {
    const service = await bearer(["*"]);
    const ada = await issuer.mint({ subject: "u-1", tenant: "acme" });
    const eve = await issuer.mint({ subject: "u-666", tenant: "acme" });
    const globexUser = await issuer.mint({ subject: "u-1", tenant: "globex" });
    const forgedUser = await stranger.mint({ subject: "u-1", tenant: "acme" });
    expect(await attempt(tcp, acme(), { ...service, [USER_TOKEN_HEADER]: ada })).toMatchObject(OK);
    expect(await attempt(tcp, acme(), { ...service, [USER_TOKEN_HEADER]: eve })).toEqual({
      code: "permission_denied",
      reason: "context_mismatch",
    });
    expect(await attempt(tcp, acme(), { ...service, [USER_TOKEN_HEADER]: globexUser })).toEqual({
      code: "permission_denied",
      reason: "context_mismatch",
    });
    expect(await attempt(tcp, acme(), { ...service, [USER_TOKEN_HEADER]: forgedUser })).toEqual({
      code: "unauthenticated",
      reason: "caller_unauthenticated",
    });
    const noUser = invokeRequest({ extensionId: "echo", tenantId: "acme", ctx: { userId: "" } });
    expect(await attempt(tcp, noUser, { ...service, [USER_TOKEN_HEADER]: ada })).toMatchObject(OK);
  });

  it("mints host-call tokens from the verified user, not from the context the caller claims", async () => {
    const ada = await issuer.mint({ subject: "u-verified", tenant: "acme" });
    const read = (userId: string) =>
      invokeRequest({
        extensionId: "reader",
        tenantId: "acme",
        ctx: { userId },
        input: {
          calls: [{ service: CrmService.typeName, method: "GetCustomer", request: { customerId: "c-1" } }],
        },
      });
    const res = await attempt(tcp, read(""), { ...(await bearer(["acme"])), [USER_TOKEN_HEADER]: ada });
    expect(res).toMatchObject({ outcome: Outcome.OK });
    expect(
      (res as { output: { results: Array<{ payload: unknown }> } }).output.results[0]?.payload,
    ).toMatchObject({
      seenUserId: "u-verified",
    });
    expect(crm.calls.at(-1)?.claims).toMatchObject({ tenant_id: "acme", user_id: "u-verified" });
    expect(
      await attempt(tcp, read("u-someone-else"), { ...(await bearer(["acme"])), [USER_TOKEN_HEADER]: ada }),
    ).toMatchObject({ code: "permission_denied", reason: "context_mismatch" });
  });

  it("trusts the Unix-socket peer as its configured principal, on HTTP/1.1 and HTTP/2, and nobody on TCP", async () => {
    expect(await attempt(uds, acme())).toMatchObject(OK);
    expect(await attempt(udsH2, acme())).toMatchObject(OK);
    expect(await attempt(uds, globex())).toEqual({ code: "permission_denied", reason: "tenant_not_allowed" });
    expect(await attempt(udsH2, globex())).toEqual({
      code: "permission_denied",
      reason: "tenant_not_allowed",
    });
    expect(await attempt(uds, globex(), await bearer(["globex"]))).toMatchObject(OK);
    expect(await attempt(tcp, acme())).toMatchObject({ code: "unauthenticated" });
    expect(await attempt(tcpH2, acme())).toMatchObject({ code: "unauthenticated" });
    expect(await attempt(udsH2, acme())).toMatchObject(OK);
    expect(await attempt(tcpH2, acme(), await bearer(["acme"]))).toMatchObject(OK);
  });
});

describe("startRuntimeServer without runtime.auth", () => {
  it("refuses to start unless auth is configured or insecure_local is chosen", async () => {
    const catalog = createCatalog({ runtime: { pool: { size: 1 }, preload: false }, extensions: [] });
    const { logger } = captureLogger("warn");
    const runtime = await createRuntime({ catalog, logger, defaultMetrics: false });
    await expect(startRuntimeServer(runtime, { port: 0 })).rejects.toMatchObject({
      code: "failed_precondition",
      reason: "invalid_manifest",
    });
    await runtime.close();
    const local = captureLogger("warn");
    const settings = resolveRuntimeSettings({
      pool: { size: 1 },
      preload: false,
      auth: { mode: "insecure_local" },
    });
    const open = await createRuntime({ catalog, settings, logger: local.logger, defaultMetrics: false });
    const server = await startRuntimeServer(open, { port: 0 });
    expect(local.lines.some((l) => l.event === "auth_insecure_local")).toBe(true);
    await server.shutdown(100);
  });
});

describe("ameide-ext-runtime without runtime.auth", () => {
  it("exits at start with a start_failed line instead of serving everyone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ameide-noauth-"));
    try {
      const config = join(dir, "catalog.yaml");
      await writeFile(config, "runtime: { preload: false, pool: { size: 1 } }\nextensions: []\n");
      await expect(spawnRuntime(config)).rejects.toThrow(/did not start/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
