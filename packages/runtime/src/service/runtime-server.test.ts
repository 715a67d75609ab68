import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { connect as h2connect } from "node:http2";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Health,
  HealthCheckResponse_ServingStatus,
  InvokeExtensionBatchRequestSchema,
  InvokeExtensionRequestSchema,
  Outcome,
  WasmExtensionRuntime,
} from "@ameide-ext/proto";
import { CrmService } from "@ameide-ext/proto/testing";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildTestHook,
  type CrmServiceHandle,
  type RuntimeProcess,
  spawnRuntime,
  startCrmService,
  writeModule,
} from "../testing/service-fixtures.js";

const PATH = "/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const request = (extensionId: string, input: unknown, tenantId = "acme") =>
  create(InvokeExtensionRequestSchema, {
    extensionId,
    version: "latest",
    ctx: { tenantId, userId: "u-1", actorType: "USER" },
    inputJson: encoder.encode(JSON.stringify(input)),
  });

/** What `curl --unix-socket` does: an HTTP/1.1 request over a Unix domain socket. */
function unixPost(
  socketPath: string,
  path: string,
  body: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { socketPath, path, method: "POST", headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => {
          text += d.toString();
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A raw gRPC unary call over HTTP/2: the grpc-status and the reason in the trailers (or headers, for a trailers-only answer). */
function grpcRaw(
  url: string,
  path: string,
  envelope: Uint8Array,
): Promise<{ grpcStatus: string | undefined; reason: string | undefined }> {
  return new Promise((resolve, reject) => {
    const session = h2connect(url);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
    });
    let headers: Record<string, unknown> = {};
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("trailers", (t) => {
      headers = { ...headers, ...t };
    });
    stream.on("close", () => {
      session.close();
      resolve({
        grpcStatus: headers["grpc-status"] as string | undefined,
        reason: headers["ameide-error-reason"] as string | undefined,
      });
    });
    stream.resume();
    stream.end(envelope);
  });
}

describe("ameide-ext-runtime, the server process", () => {
  let dir: string;
  let socket: string;
  let rt: RuntimeProcess;
  let crm: CrmServiceHandle;
  const sessions: Http2SessionManager[] = [];
  const h2 = (baseUrl: string, socketPath?: string) => {
    const s = new Http2SessionManager(
      baseUrl,
      {},
      socketPath ? { createConnection: () => netConnect(socketPath) } : {},
    );
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-server-"));
    socket = join(dir, "runtime.sock");
    const echo = await writeModule(dir, "echo", await buildTestHook("echo", "1"));
    const caller = await writeModule(dir, "caller", await buildTestHook("caller"));
    let keys: JWTVerifyGetKey | undefined;
    crm = await startCrmService((header, token) => (keys as JWTVerifyGetKey)(header, token));
    const config = join(dir, "catalog.yaml");
    await writeFile(
      config,
      [
        "env: dev",
        "runtime: { pool: { size: 1 }, shutdown_grace_ms: 5000, auth: { mode: insecure_local } }",
        "host_services:",
        `  ${CrmService.typeName}: { url: "${crm.url}" }`,
        "extensions:",
        `  - { tenant_id: acme, extension_id: echo, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${echo}", limits: { timeout_ms: 2000 } }`,
        `  - { tenant_id: acme, extension_id: reader, version: "1", kind: domain_hook, risk_tier: medium, wasm_blob_ref: "${caller}",`,
        `      limits: { timeout_ms: 5000 }, host_calls: [{ service: ${CrmService.typeName}, method: GetCustomer, read_only: true }] }`,
        "",
      ].join("\n"),
    );
    rt = await spawnRuntime(config, ["--port", "0", "--socket", socket]);
    keys = createRemoteJWKSet(new URL(`${rt.url}/.well-known/jwks.json`));
    await rt.waitForLog((l) => l.event === "ready");
  });
  afterAll(async () => {
    for (const s of sessions) s.abort();
    await rt?.stop("SIGKILL");
    await crm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers a plain JSON POST over HTTP/1.1 (what curl sends), input_json as base64", async () => {
    const body = {
      extension_id: "echo",
      version: "latest",
      ctx: { tenant_id: "acme", user_id: "u-1", actor_type: "USER" },
      input_json: Buffer.from('{"amount":72000}').toString("base64"),
    };
    const res = await fetch(`${rt.url}${PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { outcome: string; resolvedVersion: string; outputJson: string };
    expect(json.outcome).toBe("OUTCOME_OK");
    expect(json.resolvedVersion).toBe("1");
    expect(JSON.parse(Buffer.from(json.outputJson, "base64").toString())).toEqual({
      echo: { amount: 72000 },
      version: "1",
    });
    const unknown = await fetch(`${rt.url}${PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...body, extension_id: "nope" }),
    });
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({
      outcome: "OUTCOME_TECHNICAL_ERROR",
      errorCode: "not_found",
    });
  });

  it("speaks Connect (HTTP/2 and HTTP/1.1), gRPC and gRPC-Web on the one port", async () => {
    const url = rt.url as string;
    const transports: Array<[string, Transport]> = [
      ["connect h2", createConnectTransport({ baseUrl: url, httpVersion: "2", sessionManager: h2(url) })],
      ["connect 1.1", createConnectTransport({ baseUrl: url, httpVersion: "1.1" })],
      ["connect json", createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: false })],
      ["grpc", createGrpcTransport({ baseUrl: url, sessionManager: h2(url) })],
      ["grpc-web", createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" })],
      ["grpc-web h2", createGrpcWebTransport({ baseUrl: url, httpVersion: "2", sessionManager: h2(url) })],
    ];
    for (const [name, transport] of transports) {
      const client = createClient(WasmExtensionRuntime, transport);
      const res = await client.invokeExtension(request("echo", { via: name }));
      expect(res.outcome, name).toBe(Outcome.OK);
      expect(JSON.parse(decoder.decode(res.outputJson)), name).toEqual({ echo: { via: name }, version: "1" });
      const refused = await client.invokeExtension(request("echo", { mode: "loop" }));
      expect([refused.errorCode, refused.errorReason], name).toEqual(["resource_exhausted", "fuel"]);
    }
  });

  it("answers InvokeExtensionBatch alike over Connect (binary and JSON), gRPC and gRPC-Web: each result, the batch's version and sha256", async () => {
    const url = rt.url as string;
    const inputs = [{ line: 1 }, { mode: "fail" }, { mode: "loop" }, { line: "€ 4" }];
    const batch = create(InvokeExtensionBatchRequestSchema, {
      extensionId: "echo",
      version: "latest",
      ctx: { tenantId: "acme", userId: "u-1", actorType: "USER" },
      inputsJson: inputs.map((i) => encoder.encode(JSON.stringify(i))),
    });
    const transports: Array<[string, Transport]> = [
      ["connect 1.1", createConnectTransport({ baseUrl: url, httpVersion: "1.1" })],
      ["connect json", createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: false })],
      ["grpc", createGrpcTransport({ baseUrl: url, sessionManager: h2(url) })],
      ["grpc-web", createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" })],
    ];
    const seen: unknown[] = [];
    for (const [name, transport] of transports) {
      const res = await createClient(WasmExtensionRuntime, transport).invokeExtensionBatch(batch);
      expect([res.resolvedVersion, res.moduleSha256.length], name).toEqual(["1", 64]);
      const read = res.results.map((r, i) => ({
        outcome: r.outcome,
        output: r.outputJson.length > 0 ? JSON.parse(decoder.decode(r.outputJson)) : undefined,
        error: [r.errorCode, r.errorReason],
        module: [r.resolvedVersion, r.moduleSha256],
        // Not the figure: a guest's first run on an instance costs more fuel than the next. The batch
        // carries each result's stats, column by column (runtime.proto); the result none of its own.
        ran: r.stats === undefined && (res.stats?.fuelUsed[i] ?? 0) > 0 && (res.stats?.fuelLimit[i] ?? 0) > 0,
      }));
      expect(
        read.map((r) => [r.outcome, r.error]),
        name,
      ).toEqual([
        [Outcome.OK, ["", ""]],
        [Outcome.BUSINESS_ERROR, ["REFUSED", ""]],
        [Outcome.TECHNICAL_ERROR, ["resource_exhausted", "fuel"]],
        [Outcome.OK, ["", ""]],
      ]);
      expect(read[3]?.output, name).toEqual({ echo: { line: "€ 4" }, version: "1" });
      expect(
        read.map((r) => [r.module, r.ran]),
        name,
      ).toEqual(Array(4).fill([["", ""], true]));
      seen.push(read);
    }
    for (const read of seen.slice(1)) expect(read).toEqual(seen[0]);
  });

  it("answers a batch uncompressed under 1 MiB even to a caller that accepts gzip: on a cluster network the gzip costs more than the bytes it saves", async () => {
    const batch = create(InvokeExtensionBatchRequestSchema, {
      extensionId: "echo",
      version: "latest",
      ctx: { tenantId: "acme", userId: "u-1", actorType: "USER" },
      inputsJson: Array.from({ length: 200 }, (_, i) => encoder.encode(JSON.stringify({ line: i }))),
    });
    const res = await fetch(`${rt.url}/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtensionBatch`, {
      method: "POST",
      headers: { "content-type": "application/proto", "accept-encoding": "gzip, br" },
      body: toBinary(InvokeExtensionBatchRequestSchema, batch),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBeNull();
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(8 * 1024);
  });

  it("serves the same on a Unix domain socket", async () => {
    const transport = createConnectTransport({
      baseUrl: "http://localhost",
      httpVersion: "2",
      sessionManager: h2("http://localhost", socket),
    });
    const res = await createClient(WasmExtensionRuntime, transport).invokeExtension(
      request("echo", { uds: true }),
    );
    expect(res.outcome).toBe(Outcome.OK);
    const grpc = createGrpcTransport({
      baseUrl: "http://localhost",
      sessionManager: h2("http://localhost", socket),
    });
    expect(
      (await createClient(WasmExtensionRuntime, grpc).invokeExtension(request("echo", {}))).outcome,
    ).toBe(Outcome.OK);
    const curl = await unixPost(
      socket,
      PATH,
      JSON.stringify({
        extension_id: "echo",
        version: "1",
        ctx: { tenant_id: "acme" },
        input_json: btoa("{}"),
      }),
    );
    expect(curl).toMatchObject({ status: 200, json: { outcome: "OUTCOME_OK" } });
  });

  it("answers a malformed binary request invalid_argument/invalid_input, over Connect, gRPC and gRPC-Web, and keeps serving", async () => {
    // Field 1 (extension_id, length-delimited) claims 100 bytes and the message ends after 2.
    const garbage = new Uint8Array([0x0a, 0x64, 0x61, 0x62]);
    const res = await fetch(`${rt.url}${PATH}`, {
      method: "POST",
      headers: { "content-type": "application/proto", "connect-protocol-version": "1" },
      body: garbage,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("ameide-error-reason")).toBe("invalid_input");
    expect(await res.json()).toMatchObject({ code: "invalid_argument" });
    const envelope = new Uint8Array(5 + garbage.length);
    envelope.set([0, 0, 0, 0, garbage.length]);
    envelope.set(garbage, 5);
    expect(await grpcRaw(rt.url as string, PATH, envelope)).toMatchObject({
      grpcStatus: "3",
      reason: "invalid_input",
    });
    // gRPC-Web over HTTP/1.1: the status is in a trailer frame at the end of the body.
    const web = await fetch(`${rt.url}${PATH}`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
      body: envelope,
    });
    const trailer = Buffer.from(await web.arrayBuffer()).toString("latin1");
    expect(trailer).toMatch(/grpc-status: ?3\r\n/);
    expect(trailer).toMatch(/ameide-error-reason: ?invalid_input\r\n/);
    expect((await fetch(`${rt.url}/healthz`)).status).toBe(200);
  });

  it("refuses an unknown JSON field invalid_argument/invalid_input naming it and the right one, and keeps serving", async () => {
    // What an agent tried first: the input as a JSON object under "input", which used to be dropped silently.
    const res = await fetch(`${rt.url}${PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        extensionId: "echo",
        version: "latest",
        ctx: { tenantId: "acme" },
        input: { amount: 72000 },
      }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("ameide-error-reason")).toBe("invalid_input");
    const error = (await res.json()) as { code: string; message: string };
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain('"input"');
    expect(error.message).toContain("inputJson");
    expect(error.message).toContain("base64");
    const nested = await fetch(`${rt.url}${PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ extensionId: "echo", version: "1", ctx: { tenant: "acme" } }),
    });
    expect(nested.status).toBe(400);
    expect(nested.headers.get("ameide-error-reason")).toBe("invalid_input");
    const nestedError = (await nested.json()) as { code: string; message: string };
    expect(nestedError.code).toBe("invalid_argument");
    expect(nestedError.message).toContain('"tenant"');
    expect(nestedError.message).toContain("tenantId");
    expect((await fetch(`${rt.url}/healthz`)).status).toBe(200);
  });

  it("answers /healthz, /readyz, the gRPC health check and /metrics", async () => {
    expect((await fetch(`${rt.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${rt.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${rt.url}/nope`)).status).toBe(404);
    const health = createClient(
      Health,
      createGrpcTransport({ baseUrl: rt.url as string, sessionManager: h2(rt.url as string) }),
    );
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    await expect(health.check({ service: "no.such.Service" })).rejects.toMatchObject({ code: Code.NotFound });
    const metrics = await (await fetch(`${rt.url}/metrics`)).text();
    for (const name of [
      "ameide_ext_invocation_duration_seconds_bucket",
      "ameide_ext_invocation_fuel_bucket",
      "ameide_ext_invocations_total",
      "ameide_ext_invocation_errors_total",
      "ameide_ext_module_cache_misses_total",
      "ameide_ext_catalog_extensions",
      "process_resident_memory_bytes",
    ])
      expect(metrics, name).toContain(name);
    expect(metrics).toMatch(
      /ameide_ext_invocations_total\{tenant_id="acme",extension_id="echo",version="1",kind="process",outcome="ok"\} \d+/,
    );
    const jwks = (await (await fetch(`${rt.url}/.well-known/jwks.json`)).json()) as {
      keys: Array<{ kid: string }>;
    };
    expect(jwks.keys[0]?.kid).toBeTruthy();
  });

  it("logs one JSON line per invocation", async () => {
    const line = await rt.waitForLog(
      (l) => l.event === "invocation" && l.extension_id === "echo" && l.outcome === "technical_error",
    );
    expect(line).toMatchObject({
      tenant_id: "acme",
      user_id: "u-1",
      actor_type: "USER",
      error_code: "resource_exhausted",
      error_reason: "fuel",
    });
  });

  it("on SIGTERM stops taking work, finishes the invocations in flight, and exits 0", async () => {
    const url = rt.url as string;
    const client = createClient(
      WasmExtensionRuntime,
      createConnectTransport({ baseUrl: url, httpVersion: "2", sessionManager: h2(url) }),
    );
    const asked = crm.calls.length;
    const slow = client.invokeExtension(
      request("reader", {
        calls: [
          {
            service: CrmService.typeName,
            method: "GetCustomer",
            request: { customerId: "c-1", delayMs: 1200 },
          },
        ],
      }),
    );
    // SIGTERM once the invocation is in flight: its host call has reached the CRM service, which holds it
    // 1.2 s. (A fixed 300 ms raced the request's way into the child process on a loaded machine.)
    for (const end = Date.now() + 30_000; !crm.calls.slice(asked).some((c) => c.method === "GetCustomer"); ) {
      if (Date.now() > end) throw new Error("the slow invocation's host call never reached the CRM service");
      await new Promise((r) => setTimeout(r, 10));
    }
    rt.child.kill("SIGTERM");
    await rt.waitForLog((l) => l.event === "shutdown");
    // While it drains: not ready, and new work is refused with a retryable unavailable/shutting_down.
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    const late = createClient(
      WasmExtensionRuntime,
      createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
    );
    const refused = await late
      .invokeExtension(request("echo", {}))
      .catch((e: unknown) => ConnectError.from(e));
    expect(refused).toMatchObject({ code: Code.Unavailable });
    expect((refused as ConnectError).metadata.get("ameide-error-reason")).toBe("shutting_down");
    const res = await slow;
    expect(res.outcome).toBe(Outcome.OK);
    expect(JSON.parse(decoder.decode(res.outputJson))).toMatchObject({
      results: [{ ok: true, payload: { customerId: "c-1" } }],
    });
    expect(await rt.exited).toBe(0);
    expect(rt.logs.at(-1)).toMatchObject({ event: "stopped", clean: true });
    await expect(
      createClient(
        WasmExtensionRuntime,
        createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
      ).invokeExtension(request("echo", {})),
    ).rejects.toBeInstanceOf(ConnectError);
  });
});
