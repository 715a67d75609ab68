// The lean Connect client against raw node:http / node:http2 servers that misbehave on purpose:
// each fault gives its coded error, and the same client serves the next call.
import { createServer as createH1Server, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createServer as createH2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from "node:http2";
import type { AddressInfo, Server } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BinaryUnaryCall, createBinaryUnaryCall, DEFAULT_READ_MAX_BYTES } from "./binary-unary-call.js";

const CAP = 1024;
const ANSWER = new Uint8Array([8, 1, 18, 2, 104, 105]);

type Req = IncomingMessage | Http2ServerRequest;
/** The HTTP/2 compatibility response has the same writeHead/write/end as HTTP/1.1's. */
type Res = ServerResponse;

/** Cuts the connection under a request, whichever HTTP version carries it. */
function cutConnection(req: Req): void {
  if ("stream" in req) req.stream.session?.destroy();
  else req.socket.destroy();
}

/** One route per fault; each reads the request body first, as a real server does. */
function route(req: Req, res: Res, seen: Array<Record<string, unknown>>): void {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    seen.push({ url: req.url, headers: req.headers, body: Buffer.concat(parts) });
    const proto = { "content-type": "application/proto" };
    switch (req.url) {
      case "/ok":
        res.writeHead(200, proto);
        res.end(ANSWER);
        return;
      case "/gzip":
        res.writeHead(200, { ...proto, "content-encoding": "gzip" });
        res.end(gzipSync(ANSWER));
        return;
      case "/html":
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html>hi</html>");
        return;
      case "/error":
        res.writeHead(401, {
          "content-type": "application/json",
          "ameide-error-reason": "caller_unauthenticated",
        });
        res.end(JSON.stringify({ code: "unauthenticated", message: "no token" }));
        return;
      case "/not-json":
        res.writeHead(503, { "content-type": "application/json" });
        res.end("upstream fell over");
        return;
      case "/big":
        res.writeHead(200, proto);
        res.write(Buffer.alloc(CAP));
        res.end(Buffer.alloc(CAP));
        return;
      case "/big-announced":
        res.writeHead(200, { ...proto, "content-length": String(CAP * 4) });
        res.write(Buffer.alloc(16));
        return;
      case "/headers-only":
        res.writeHead(200, { ...proto, "content-length": "100" });
        res.write(Buffer.alloc(0));
        setTimeout(() => cutConnection(req), 20);
        return;
      case "/reset":
        res.writeHead(200, { ...proto, "content-length": "100" });
        res.write(Buffer.alloc(10));
        setTimeout(() => cutConnection(req), 20);
        return;
      case "/cut-before-answer":
        cutConnection(req);
        return;
      case "/never":
        return;
      default:
        res.writeHead(500);
        res.end();
    }
  });
}

/** Listens on a free loopback port; resolves with the port. */
async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

const headers = { authorization: "Bearer t" };
const o = (timeoutMs = 2_000) => ({ timeoutMs, headers });

describe.each(["1.1", "2"] as const)("createBinaryUnaryCall() over HTTP/%s", (httpVersion) => {
  const seen: Array<Record<string, unknown>> = [];
  let server: Server;
  let client: BinaryUnaryCall;
  let port: number;

  beforeAll(async () => {
    server = (httpVersion === "2" ? createH2Server() : createH1Server()) as unknown as Server;
    server.on("request", (req: Req, res: Res | Http2ServerResponse) => route(req, res as Res, seen));
    port = await listen(server);
    client = createBinaryUnaryCall({ baseUrl: `http://127.0.0.1:${port}`, httpVersion, readMaxBytes: CAP });
  });
  afterAll(async () => {
    client.close();
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise((r) => server.close(r));
  });

  /** After each fault the same client still answers. */
  const stillServes = async () => expect(await client.call("/ok", new Uint8Array([1]), o())).toEqual(ANSWER);

  it("sends Connect's binary unary headers and the body, and returns the answer's bytes", async () => {
    seen.length = 0;
    const body = new Uint8Array([10, 3, 1, 2, 3]);
    expect(await client.call("/ok", body, { timeoutMs: 1_234, headers })).toEqual(ANSWER);
    const got = seen[0] as { headers: Record<string, string>; body: Buffer };
    expect(new Uint8Array(got.body)).toEqual(body);
    expect(got.headers).toMatchObject({
      "content-type": "application/proto",
      "connect-protocol-version": "1",
      "connect-timeout-ms": "1234",
      authorization: "Bearer t",
    });
  });

  it("decompresses a gzip answer", async () => {
    expect(await client.call("/gzip", new Uint8Array(), o())).toEqual(ANSWER);
  });

  it("throws a non-200's Connect JSON error, its reason read from the response headers", async () => {
    await expect(client.call("/error", new Uint8Array(), o())).rejects.toMatchObject({
      name: "ExtensionError",
      code: "unauthenticated",
      reason: "caller_unauthenticated",
      details: { connectCode: "Unauthenticated" },
    });
    await stillServes();
  });

  it("throws a non-JSON error body as the HTTP status's code", async () => {
    await expect(client.call("/not-json", new Uint8Array(), o())).rejects.toMatchObject({
      code: "unavailable",
      details: { connectCode: "Unavailable" },
    });
    await stillServes();
  });

  it("refuses a 200 whose content type is not application/proto, as connect's validateResponse does", async () => {
    // Not a Connect content type at all: connect's Unknown (internal to the SDK).
    await expect(client.call("/html", new Uint8Array(), o())).rejects.toMatchObject({
      code: "internal",
      details: { connectCode: "Unknown" },
    });
    await stillServes();
  });

  it("refuses an answer over readMaxBytes with resource_exhausted, read or announced", async () => {
    await expect(client.call("/big", new Uint8Array(), o())).rejects.toMatchObject({
      code: "resource_exhausted",
      details: { connectCode: "ResourceExhausted" },
    });
    await expect(client.call("/big-announced", new Uint8Array(), o())).rejects.toMatchObject({
      code: "resource_exhausted",
    });
    await stillServes();
  });

  it("ends a call the server never answers at its deadline with deadline_exceeded", async () => {
    const started = performance.now();
    await expect(client.call("/never", new Uint8Array(), o(100))).rejects.toMatchObject({
      code: "deadline_exceeded",
      details: { connectCode: "DeadlineExceeded" },
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    await stillServes();
  });

  it("ends a call when the caller's signal aborts (connect's canceled)", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    await expect(
      client.call("/never", new Uint8Array(), { ...o(), signal: ac.signal }),
    ).rejects.toMatchObject({ code: "deadline_exceeded", details: { connectCode: "Canceled" } });
    await expect(
      client.call("/ok", new Uint8Array(), { ...o(), signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ details: { connectCode: "Canceled" } });
    await stillServes();
  });

  it.each(["/headers-only", "/reset", "/cut-before-answer"])(
    "reads a connection cut at %s as unavailable (retryable)",
    async (path) => {
      await expect(client.call(path, new Uint8Array(), o())).rejects.toMatchObject({ code: "unavailable" });
      await stillServes();
    },
  );

  it("reads a refused connection as unavailable, and serves once the server is back", async () => {
    const spare = createH1Server();
    const sparePort = await listen(spare as unknown as Server);
    await new Promise((r) => spare.close(r));
    const refused = createBinaryUnaryCall({ baseUrl: `http://127.0.0.1:${sparePort}`, httpVersion });
    await expect(refused.call("/ok", new Uint8Array(), o())).rejects.toMatchObject({
      code: "unavailable",
      details: { connectCode: "Unavailable" },
    });
    refused.close();
    await stillServes();
  });

  it("refuses a readMaxBytes out of range when it is built", () => {
    for (const readMaxBytes of [0, 2 ** 33, 1.5])
      expect(() => createBinaryUnaryCall({ baseUrl: "http://x", httpVersion, readMaxBytes })).toThrowError(
        expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }),
      );
    expect(DEFAULT_READ_MAX_BYTES).toBe(128 * 1024 * 1024);
  });
});
