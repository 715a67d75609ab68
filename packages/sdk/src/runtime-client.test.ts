import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type InvokeExtensionResponse,
  InvokeExtensionResponseSchema,
  Outcome,
  WasmExtensionRuntime,
} from "@ameide-ext/proto";
import {
  ExtensionError,
  USER_TOKEN_HEADER as RUNTIME_USER_TOKEN_HEADER,
  toConnectError,
} from "@ameide-ext/runtime";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userContext } from "./execution-context.js";
import {
  createInProcessClient,
  createRuntimeClient,
  type RuntimeClient,
  USER_TOKEN_HEADER,
} from "./runtime-client.js";
import { type EchoRuntime, startEchoRuntime } from "./testing/echo-runtime.js";

const ctx = userContext({ tenantId: "acme", userId: "u-1" });
const technical = (code: string, reason: string) =>
  create(InvokeExtensionResponseSchema, {
    outcome: Outcome.TECHNICAL_ERROR,
    errorCode: code,
    errorReason: reason,
    errorMsg: code,
  });
const ok = create(InvokeExtensionResponseSchema, {
  outcome: Outcome.OK,
  resolvedVersion: "1",
  outputJson: new TextEncoder().encode('{"fine":true}'),
  stats: {},
});

/** A runtime double that answers from a script, one step per call. */
function scripted(steps: Array<InvokeExtensionResponse | ExtensionError>) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async invokeExtension(): Promise<InvokeExtensionResponse> {
      const step = steps[Math.min(calls++, steps.length - 1)] as InvokeExtensionResponse | ExtensionError;
      if (step instanceof ExtensionError) throw step;
      return step;
    },
  };
}

const fast = { retry: { initialDelayMs: 1, maxDelayMs: 2 } };

describe("createRuntimeClient(): chattiness (§10.3)", () => {
  it("warns once when one operation calls one extension past the threshold, naming the caller's hook point", async () => {
    const heard: unknown[] = [];
    const client = createInProcessClient(scripted([ok]), {
      chattiness: { threshold: 2, onChatty: (e) => heard.push(e) },
    });
    const op = userContext({ tenantId: "acme", userId: "u-1", correlationId: "order-7" });
    for (let i = 0; i < 4; i++)
      await client.invoke({
        extensionId: "price-line",
        ctx: op,
        input: {},
        hookPoint: "orders/BeforeCreateOrder",
      });
    expect(heard).toEqual([
      {
        correlationId: "order-7",
        extensionId: "price-line",
        hookPoint: "orders/BeforeCreateOrder",
        calls: 3,
        threshold: 2,
      },
    ]);
    expect(client.chattyWarnings).toBe(1);
  });
});

describe("createRuntimeClient(): retries", () => {
  it("retries unavailable answers, in-band or not, and returns the result that follows", async () => {
    const rt = scripted([
      technical("unavailable", "worker_lost"),
      new ExtensionError("unavailable", "draining", "shutting_down"),
      ok,
    ]);
    const res = await createInProcessClient(rt, fast).invoke({ extensionId: "x", ctx, input: {} });
    expect(res).toMatchObject({ outcome: "ok", output: { fine: true } });
    expect(rt.calls).toBe(3);
  });

  it.each([
    ["resource_exhausted", "fuel"],
    ["deadline_exceeded", "timeout"],
    ["permission_denied", "host_call_denied"],
    ["not_found", ""],
    ["unavailable", "circuit_open"],
  ])("never retries %s/%s", async (code, reason) => {
    const rt = scripted([technical(code, reason), ok]);
    await expect(
      createInProcessClient(rt, fast).invoke({ extensionId: "x", ctx, input: {} }),
    ).rejects.toMatchObject({
      name: "ExtensionError",
      code,
    });
    expect(rt.calls).toBe(1);
  });

  it("gives up after its attempts with the last unavailable error", async () => {
    const rt = scripted([technical("unavailable", "store_unavailable")]);
    await expect(
      createInProcessClient(rt, { retry: { attempts: 4, initialDelayMs: 1, maxDelayMs: 1 } }).invoke({
        extensionId: "x",
        ctx,
        input: {},
      }),
    ).rejects.toMatchObject({ code: "unavailable", reason: "store_unavailable" });
    expect(rt.calls).toBe(4);
  });

  it("retries RPC-level Unavailable over the network, and not ResourceExhausted", async () => {
    const script: Array<ConnectError | InvokeExtensionResponse> = [
      toConnectError(new ExtensionError("unavailable", "draining", "shutting_down")),
      ok,
      new ConnectError("too big", Code.ResourceExhausted),
    ];
    let calls = 0;
    const server: Server = createServer(
      connectNodeAdapter({
        routes: (router) =>
          router.service(WasmExtensionRuntime, {
            invokeExtension() {
              const step = script[calls++] as ConnectError | InvokeExtensionResponse;
              if (step instanceof ConnectError) throw step;
              return step;
            },
          }),
      }),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const client = createRuntimeClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      httpVersion: "1.1",
      ...fast,
    });
    expect((await client.invoke({ extensionId: "x", ctx, input: {} })).outcome).toBe("ok");
    expect(calls).toBe(2);
    await expect(client.invoke({ extensionId: "x", ctx, input: {} })).rejects.toMatchObject({
      code: "resource_exhausted",
    });
    expect(calls).toBe(3);
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});

describe("createRuntimeClient(): against a real runtime", () => {
  let rt: EchoRuntime;
  let tokensMinted = 0;
  const clients: Array<[string, RuntimeClient]> = [];
  const extra: RuntimeClient[] = [];

  beforeAll(async () => {
    rt = await startEchoRuntime({
      prefix: "ameide-sdk-",
      kind: "agent_tool",
      extensions: { echo: { timeout_ms: 2_000 }, spin: { cpu_millis: 10_000, timeout_ms: 10_000 } },
    });
    // The service's own credential: a fresh token per request, as a token provider gives.
    const token = () => {
      tokensMinted++;
      return rt.issuer.mint({ subject: "sdk-test-service", tenants: ["acme"] });
    };
    const { url, socket } = rt;
    clients.push(
      ["in-process", createRuntimeClient({ inProcess: rt.runtime })],
      ["connect h2", createRuntimeClient({ baseUrl: url, token })],
      ["connect 1.1", createRuntimeClient({ baseUrl: url, httpVersion: "1.1", token })],
      ["grpc", createRuntimeClient({ baseUrl: url, protocol: "grpc", token })],
      ["grpc-web", createRuntimeClient({ baseUrl: url, protocol: "grpc-web", httpVersion: "1.1", token })],
      ["uds connect", createRuntimeClient({ socketPath: socket, token })],
      ["uds grpc", createRuntimeClient({ socketPath: socket, protocol: "grpc", token })],
    );
  });
  afterAll(async () => {
    for (const [, c] of clients) c.close();
    for (const c of extra) c.close();
    await rt?.close();
  });

  it("gives the same result in-process and over every transport", async () => {
    const seen: string[] = [];
    for (const [name, client] of clients) {
      const res = await client.invoke<{ echo: unknown; version: string }>({
        extensionId: "echo",
        ctx,
        input: { n: 7 },
      });
      if (res.outcome !== "ok") throw new Error(`${name}: ${res.outcome}`);
      expect(res.output, name).toEqual({ echo: { n: 7 }, version: "1" });
      expect(res.resolvedVersion, name).toBe("1");
      expect(res.moduleSha256, name).toBe(rt.sha256);
      expect(res.stats.fuelUsed, name).toBeGreaterThan(0);
      seen.push(
        JSON.stringify([res.output, res.stats.fuelUsed, res.stats.fuelLimit, res.stats.peakMemoryBytes]),
      );
    }
    expect(new Set(seen).size).toBe(1);
  });

  it("returns business errors, and throws technical errors with their code and reason, the same everywhere", async () => {
    for (const [name, client] of clients) {
      const res = await client.invoke({ extensionId: "echo", ctx, input: { mode: "fail" } });
      expect(res, name).toMatchObject({ outcome: "business_error", businessError: { code: "REFUSED" } });
      await expect(
        client.invoke({ extensionId: "echo", ctx, input: { mode: "loop" } }),
        name,
      ).rejects.toMatchObject({
        name: "ExtensionError",
        code: "resource_exhausted",
        reason: "fuel",
        details: expect.objectContaining({ resolvedVersion: "1", moduleSha256: rt.sha256 }),
      });
      await expect(client.invoke({ extensionId: "nope", ctx, input: {} }), name).rejects.toMatchObject({
        code: "not_found",
      });
    }
  });

  it("passes the caller's deadline on: a slow invocation ends with deadline_exceeded", async () => {
    for (const [name, client] of clients.slice(0, 2)) {
      const started = performance.now();
      await expect(
        client.invoke({ extensionId: "spin", ctx, input: { mode: "loop" }, timeoutMs: 150 }),
        name,
      ).rejects.toMatchObject({ code: "deadline_exceeded" });
      expect(performance.now() - started, name).toBeLessThan(2_000);
    }
  });

  it("sends the token provider's token with each request, and the end user's token per call", async () => {
    const url = rt.url;
    const anonymous = createRuntimeClient({ baseUrl: url, httpVersion: "1.1" });
    extra.push(anonymous);
    await expect(anonymous.invoke({ extensionId: "echo", ctx, input: {} })).rejects.toMatchObject({
      name: "ExtensionError",
      code: "unauthenticated",
      reason: "caller_unauthenticated",
    });
    const [, client] = clients[1] as [string, RuntimeClient];
    const before = tokensMinted;
    await client.invoke({ extensionId: "echo", ctx, input: {} });
    await client.invoke({ extensionId: "echo", ctx, input: {} });
    expect(tokensMinted - before).toBe(2);
    await expect(
      client.invoke({ extensionId: "echo", ctx: { ...ctx, tenantId: "globex" }, input: {} }),
    ).rejects.toMatchObject({ code: "permission_denied", reason: "tenant_not_allowed" });
    const ada = await rt.issuer.mint({ subject: "u-1", tenant: "acme" });
    const eve = await rt.issuer.mint({ subject: "u-2", tenant: "acme" });
    expect(await client.invoke({ extensionId: "echo", ctx, input: {}, userToken: ada })).toMatchObject({
      outcome: "ok",
    });
    await expect(
      client.invoke({ extensionId: "echo", ctx, input: {}, userToken: eve }),
    ).rejects.toMatchObject({ code: "permission_denied", reason: "context_mismatch" });
    const failing = createRuntimeClient({
      baseUrl: url,
      token: () => Promise.reject(new Error("vault sealed")),
    });
    extra.push(failing);
    await expect(failing.invoke({ extensionId: "echo", ctx, input: {} })).rejects.toMatchObject({
      code: "unauthenticated",
      reason: "caller_unauthenticated",
    });
    expect(USER_TOKEN_HEADER).toBe(RUNTIME_USER_TOKEN_HEADER);
  });

  it("refuses options that name no target, or two", () => {
    expect(() => createRuntimeClient({})).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => createRuntimeClient({ baseUrl: "http://x", inProcess: rt.runtime })).toThrowError(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });
});
