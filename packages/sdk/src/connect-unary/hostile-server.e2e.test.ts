// Red team (#12): the lean client against hostile HTTP servers started by the test, over HTTP/1.1 and HTTP/2.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createH2Server, type Http2Server, type ServerHttp2Stream } from "node:http2";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { ExtensionError } from "@ameide-ext/contract";
import { afterEach, describe, expect, it } from "vitest";
import { createBinaryUnaryCall } from "./binary-unary-call.js";

type H1Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

async function h1(handler: H1Handler): Promise<{ url: string; server: Server; sockets: Set<Socket> }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const i = n++;
    req.resume();
    req.on("end", () => handler(req, res, i));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sockets };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof ExtensionError) return e.code;
    return `raw ${(e as Error).name}: ${(e as Error).message}`;
  }
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
const proto = { "content-type": "application/proto" };

/**
 * 100 calls at once over `httpVersion` to a server that never finishes its answers: each must end
 * `deadline_exceeded` at its 200 ms deadline; then 200 ms for the sockets or streams to be released.
 */
async function hundredCallsPastTheirDeadline(
  url: string,
  httpVersion: "1.1" | "2",
  server: { close(): unknown },
): Promise<void> {
  const client = createBinaryUnaryCall({ baseUrl: url, httpVersion });
  cleanups.push(() => {
    client.close();
    server.close();
  });
  const codes = await Promise.all(
    Array.from({ length: 100 }, () =>
      codeOf(client.call("/x", new Uint8Array(1), { timeoutMs: 200, headers: {} })),
    ),
  );
  expect(new Set(codes)).toEqual(new Set(["deadline_exceeded"]));
  await new Promise((r) => setTimeout(r, 200));
}

describe("the lean client against hostile HTTP/1.1 servers", () => {
  it("ends a body dripped a byte every 50 ms at its deadline, and releases the sockets of 100 such calls", async () => {
    const { url, server, sockets } = await h1((_req, res) => {
      res.writeHead(200, proto);
      const t = setInterval(() => res.write(Buffer.from([0])), 50);
      res.on("close", () => clearInterval(t));
    });
    await hundredCallsPastTheirDeadline(url, "1.1", server);
    expect(sockets.size).toBe(0);
  });

  it("never reads an answer sent after the deadline as the next call's", async () => {
    const { url, server } = await h1((_req, res, n) => {
      const body = Buffer.from([n]);
      if (n === 0) setTimeout(() => res.writeHead(200, proto).end(body), 300);
      else res.writeHead(200, proto).end(body);
    });
    const client = createBinaryUnaryCall({ baseUrl: url, httpVersion: "1.1" });
    cleanups.push(() => {
      client.close();
      server.close();
    });
    expect(await codeOf(client.call("/x", new Uint8Array(1), { timeoutMs: 100, headers: {} }))).toBe(
      "deadline_exceeded",
    );
    await new Promise((r) => setTimeout(r, 400));
    expect([...(await client.call("/x", new Uint8Array(1), { timeoutMs: 1000, headers: {} }))]).toEqual([1]);
  });

  it("never reads a second answer the server pushed on a kept-alive socket as the next call's", async () => {
    const { url, server } = await h1((req, res, n) => {
      if (n === 0) {
        res.writeHead(200, { ...proto, "content-length": "1" });
        res.end(Buffer.from([0]));
        // a stray answer right behind it on the same socket
        setTimeout(
          () =>
            req.socket.write(
              "HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ncontent-length: 1\r\n\r\n\x63",
            ),
          50,
        );
      } else res.writeHead(200, proto).end(Buffer.from([n]));
    });
    const client = createBinaryUnaryCall({ baseUrl: url, httpVersion: "1.1" });
    cleanups.push(() => {
      client.close();
      server.close();
    });
    expect([...(await client.call("/x", new Uint8Array(1), { timeoutMs: 1000, headers: {} }))]).toEqual([0]);
    await new Promise((r) => setTimeout(r, 150));
    const next = await client.call("/x", new Uint8Array(1), { timeoutMs: 1000, headers: {} }).catch((e) => e);
    expect(next instanceof Uint8Array ? [...next] : (next as ExtensionError).code).not.toEqual([0x63]);
  });

  it("refuses a gzip bomb, a huge or negative content-length, a chunked body past the cap, with coded errors", async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const brotliBomb = brotliCompressSync(Buffer.alloc(64 * 1024 * 1024));
    const { url, server } = await h1((_req, res, n) => {
      if (n === 0) res.writeHead(200, { ...proto, "content-encoding": "gzip" }).end(bomb);
      else if (n === 1) {
        res.socket?.write(
          "HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ncontent-length: 99999999999999\r\n\r\nab",
        );
      } else if (n === 2) {
        res.socket?.write(
          "HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ncontent-length: -5\r\n\r\nab",
        );
        res.socket?.destroySoon();
      } else if (n === 3) {
        res.writeHead(200, proto);
        for (let i = 0; i < 40; i++) res.write(Buffer.alloc(64 * 1024));
        res.end();
      } else res.writeHead(200, { ...proto, "content-encoding": "br" }).end(brotliBomb);
    });
    const client = createBinaryUnaryCall({ baseUrl: url, httpVersion: "1.1", readMaxBytes: 1024 * 1024 });
    cleanups.push(() => {
      client.close();
      server.close();
    });
    const o = { timeoutMs: 3000, headers: {} };
    expect(await codeOf(client.call("/x", new Uint8Array(1), o))).toBe("resource_exhausted");
    expect(await codeOf(client.call("/x", new Uint8Array(1), o))).toBe("resource_exhausted");
    expect(await codeOf(client.call("/x", new Uint8Array(1), o))).not.toMatch(/^raw|^ok/);
    expect(await codeOf(client.call("/x", new Uint8Array(1), o))).toBe("resource_exhausted");
    expect(await codeOf(client.call("/x", new Uint8Array(1), o))).toBe("resource_exhausted");
  });

  it("maps a proxy's text/html 200, a 502 JSON that is not a Connect error, a 401 with www-authenticate to codes", async () => {
    const { url, server } = await h1((_req, res, n) => {
      if (n === 0) res.writeHead(200, { "content-type": "text/html" }).end("<html>login</html>");
      else if (n === 1)
        res.writeHead(502, { "content-type": "application/json" }).end('{"message":1,"x":[]}');
      else if (n === 2) res.writeHead(401, { "www-authenticate": "Bearer" }).end();
      else
        res
          .writeHead(200, { ...proto, "grpc-status": "13", "trailer-connect-x": "1" })
          .end(Buffer.from([8, 1]));
    });
    const client = createBinaryUnaryCall({ baseUrl: url, httpVersion: "1.1" });
    cleanups.push(() => {
      client.close();
      server.close();
    });
    const o = { timeoutMs: 3000, headers: {} };
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await codeOf(client.call("/x", new Uint8Array(1), o)));
    // connect reads a 200 of another content type as Unknown (the SDK's internal); grpc-status means nothing to Connect.
    expect(codes).toEqual(["internal", "unavailable", "unauthenticated", "ok"]);
  });
});

describe("the lean client against hostile HTTP/2 servers", () => {
  it("ends a stalled or dripped h2 body at its deadline and closes the streams of 100 such calls", async () => {
    const streams = new Set<ServerHttp2Stream>();
    const server: Http2Server = createH2Server();
    server.on("stream", (stream) => {
      streams.add(stream);
      stream.on("close", () => streams.delete(stream));
      stream.on("error", () => undefined);
      stream.resume();
      stream.on("end", () => {
        stream.respond({ ":status": 200, ...proto });
        const t = setInterval(() => !stream.closed && stream.write(Buffer.from([0])), 50);
        stream.on("close", () => clearInterval(t));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await hundredCallsPastTheirDeadline(url, "2", server);
    expect(streams.size).toBe(0);
  });

  it("refuses an h2 gzip bomb with resource_exhausted", async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const server: Http2Server = createH2Server();
    server.on("stream", (stream) => {
      stream.on("error", () => undefined);
      stream.resume();
      stream.on("end", () => {
        stream.respond({ ":status": 200, ...proto, "content-encoding": "gzip" });
        stream.end(bomb);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createBinaryUnaryCall({ baseUrl: url, httpVersion: "2", readMaxBytes: 1024 * 1024 });
    cleanups.push(() => {
      client.close();
      server.close();
    });
    expect(await codeOf(client.call("/x", new Uint8Array(1), { timeoutMs: 3000, headers: {} }))).toBe(
      "resource_exhausted",
    );
  });
});

describe("the lean client against raw answers that are not HTTP as Node reads it", () => {
  const answers = [
    "garbage\r\n\r\n",
    "HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ncontent-length: abc\r\n\r\nx",
    `HTTP/1.1 200 OK\r\nx-pad: ${"a".repeat(100_000)}\r\n\r\n`,
    "HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
    "HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ncontent-length: 1\r\n\r\n\u0007",
    "HTTP/1.1 200 OK\r\ncontent-type: application/proto\r\ncontent-length: 5\r\n\r\nab",
  ];
  it("gives a coded error (or the answer) for each, and the client still serves", async () => {
    let n = 0;
    const server = createTcpServer((socket) => {
      socket.on("data", () => {
        const i = n++;
        socket.write(answers[i % answers.length] as string);
        if (i % answers.length === 5) socket.end();
      });
      socket.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createBinaryUnaryCall({ baseUrl: url, httpVersion: "1.1" });
    cleanups.push(() => {
      client.close();
      server.close();
    });
    const codes: string[] = [];
    for (let i = 0; i < answers.length; i++)
      codes.push(await codeOf(client.call("/x", new Uint8Array(1), { timeoutMs: 1000, headers: {} })));
    // Node's parser errors read as internal; an answer cut short by the peer as unavailable (retryable).
    expect(codes).toEqual(["internal", "internal", "internal", "internal", "ok", "unavailable"]);
  });
});
