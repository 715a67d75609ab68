import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type ClientHttp2Session, connect as h2Connect } from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildTestHook,
  type RuntimeProcess,
  spawnRuntime,
  writeModule,
} from "../testing/service-fixtures.js";
import { H2_MAX_STREAMS } from "./start-runtime-server.js";

// Issue #10 item 6: connections that say nothing, or too little, or too much, must not hold the server.
const SNIFF_MS = 300;
const HEADERS_MS = 300;
const PER_PEER = 8;
const IDLE_MS = 1000;
const MAX = 24;
const REQUEST_MS = 1500;
const PATH = "/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension";

/** Opens a TCP connection from `localAddress` and resolves once it is connected. */
function open(port: number, localAddress = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ port, host: "127.0.0.1", localAddress }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Resolves with the milliseconds until `socket` closed, or with Infinity after `withinMs`. */
function closedWithin(socket: Socket, withinMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(Number.POSITIVE_INFINITY), withinMs);
    socket.on("error", () => undefined);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
    socket.resume();
  });
}

/** One GET of `/healthz` on an HTTP/2 session, resolved when its stream has closed. */
function h2Healthz(session: ClientHttp2Session): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream = session.request({ ":method": "GET", ":path": "/healthz" });
    stream.on("error", reject);
    stream.on("close", () => resolve());
    stream.resume();
    stream.end();
  });
}

/** Resolves with the milliseconds from `started` until `session` closed, or with Infinity after `withinMs`. */
function sessionClosedAfter(session: ClientHttp2Session, started: number, withinMs: number): Promise<number> {
  return new Promise<number>((resolve) => {
    const timer = setTimeout(() => resolve(Number.POSITIVE_INFINITY), withinMs);
    session.once("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

/** Resolves with the /healthz status and how long it took. */
async function healthz(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
  await res.text();
  return { status: res.status, ms: performance.now() - started };
}

describe("ameide-ext-runtime, connections (issue #10 item 6)", () => {
  let dir: string;
  let rt: RuntimeProcess;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-conn-"));
    const echo = await writeModule(dir, "echo", await buildTestHook("echo", "1"));
    const config = join(dir, "catalog.yaml");
    await writeFile(
      config,
      [
        "env: dev",
        "runtime:",
        "  pool: { size: 1 }",
        "  auth: { mode: insecure_local }",
        `  connections: { sniff_timeout_ms: ${SNIFF_MS}, headers_timeout_ms: ${HEADERS_MS}, idle_timeout_ms: ${IDLE_MS}, request_timeout_ms: ${REQUEST_MS}, max: ${MAX}, max_per_peer: ${PER_PEER} }`,
        "extensions:",
        `  - { tenant_id: acme, extension_id: echo, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${echo}" }`,
        "",
      ].join("\n"),
    );
    rt = await spawnRuntime(config, ["--port", "0"]);
    port = Number(new URL(rt.url as string).port);
    await rt.waitForLog((l) => l.event === "ready");
  });
  afterAll(async () => {
    await rt?.stop("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("closes a silent connection after the sniff timeout", async () => {
    const s = await open(port);
    expect(await closedWithin(s, SNIFF_MS + 2000)).toBeLessThan(SNIFF_MS + 1500);
    expect((await healthz(rt.url as string)).status).toBe(200);
  });

  it("closes an HTTP/1.1 connection whose headers never end", async () => {
    const s = await open(port);
    s.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    expect(await closedWithin(s, HEADERS_MS + 3000)).toBeLessThan(HEADERS_MS + 2500);
    expect((await healthz(rt.url as string)).status).toBe(200);
  });

  it("closes an HTTP/2 connection that sends the preface and nothing else", async () => {
    const s = await open(port);
    s.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    expect(await closedWithin(s, SNIFF_MS + 2000)).toBeLessThan(SNIFF_MS + 1500);
    expect((await healthz(rt.url as string)).status).toBe(200);
  });

  it("refuses a peer's connection over its cap while /healthz still answers others", async () => {
    const held: Socket[] = [];
    try {
      // Each held connection is a keep-alive HTTP/1.1 one that made a request: past the sniff, not idle yet.
      for (let i = 0; i < PER_PEER; i++) {
        const s = await open(port, "127.0.0.2");
        s.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        held.push(s);
      }
      const extra = await open(port, "127.0.0.2");
      expect(await closedWithin(extra, 1000)).toBeLessThan(1000);
      const h = await healthz(rt.url as string);
      expect(h.status).toBe(200);
      const refused = await rt.waitForLog(
        (l) => l.event === "connection_refused" && l.reason === "per_peer_limit",
        2000,
      );
      expect(refused).toMatchObject({ reason: "per_peer_limit", peer: "127.0.0.2" });
      const metrics = await (await fetch(`${rt.url}/metrics`)).text();
      expect(metrics).toMatch(/ameide_ext_connections_refused_total\{reason="per_peer_limit"\} [1-9]/);
    } finally {
      for (const s of held) s.destroy();
    }
  });

  it("resets an HTTP/2 stream whose body is over the limit, and the client gets its answer quickly", async () => {
    const session = h2Connect(rt.url as string);
    session.on("error", () => undefined);
    try {
      const started = performance.now();
      const stream = session.request({
        ":method": "POST",
        ":path": PATH,
        "content-type": "application/proto",
        "connect-protocol-version": "1",
      });
      stream.on("error", () => undefined);
      let status = 0;
      stream.on("response", (h) => {
        status = Number(h[":status"]);
      });
      const chunk = Buffer.alloc(64 * 1024, 1);
      // 4 MiB: four times the 1 MiB read limit; written without waiting, as a client that does not listen.
      for (let i = 0; i < 64; i++) stream.write(chunk);
      stream.end();
      const ended = await new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(Number.POSITIVE_INFINITY), 5000);
        stream.once("close", () => {
          clearTimeout(timer);
          resolve(performance.now() - started);
        });
        stream.resume();
      });
      expect(ended).toBeLessThan(3000);
      expect(status).toBe(429);
      expect((await healthz(rt.url as string)).status).toBe(200);
    } finally {
      session.destroy();
    }
  });

  it("closes an oversize gRPC stream only after its status trailers went out", async () => {
    const session = h2Connect(rt.url as string);
    session.on("error", () => undefined);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": PATH,
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.on("error", () => undefined);
      let trailers: Record<string, unknown> = {};
      stream.on("trailers", (t) => {
        trailers = t;
      });
      const envelope = Buffer.alloc(5);
      envelope.writeUInt32BE(4 * 1024 * 1024, 1); // a 4 MiB message announced, over the 1 MiB limit
      stream.write(envelope);
      for (let i = 0; i < 64; i++) stream.write(Buffer.alloc(64 * 1024, 1));
      stream.end();
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5000);
        stream.once("close", () => {
          clearTimeout(timer);
          resolve(true);
        });
        stream.resume();
      });
      expect(closed).toBe(true);
      expect(trailers["grpc-status"]).toBe("8"); // RESOURCE_EXHAUSTED
    } finally {
      session.destroy();
    }
  });

  it("resets an HTTP/2 stream whose request never ends, after the request timeout", async () => {
    // A hostile peer opens a stream, sends its headers and never its body: HTTP/1.1 has requestTimeout for this.
    const session = h2Connect(rt.url as string);
    session.on("error", () => undefined);
    try {
      const started = performance.now();
      const stream = session.request(
        {
          ":method": "POST",
          ":path": PATH,
          "content-type": "application/proto",
          "connect-protocol-version": "1",
        },
        { endStream: false },
      );
      stream.on("error", () => undefined);
      stream.write(Buffer.from([0x0a])); // one byte of a body that never ends
      const closedAfter = await new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(Number.POSITIVE_INFINITY), REQUEST_MS + 3000);
        stream.once("close", () => {
          clearTimeout(timer);
          resolve(performance.now() - started);
        });
        stream.resume();
      });
      expect(closedAfter).toBeGreaterThanOrEqual(REQUEST_MS - 50);
      expect(closedAfter).toBeLessThan(REQUEST_MS + 2500);
      expect(
        await rt.waitForLog((l) => l.event === "connection_refused" && l.reason === "request_timeout", 2000),
      ).toMatchObject({ reason: "request_timeout" });
      expect((await healthz(rt.url as string)).status).toBe(200);
    } finally {
      session.destroy();
    }
  });

  it("caps the HTTP/2 streams one session may have open at once", async () => {
    const session = h2Connect(rt.url as string);
    session.on("error", () => undefined);
    try {
      const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) =>
        session.once("remoteSettings", resolve),
      );
      expect(settings.maxConcurrentStreams).toBe(H2_MAX_STREAMS);
    } finally {
      session.destroy();
    }
  });

  it("closes an HTTP/2 session that stays idle after its last stream", async () => {
    const session = h2Connect(rt.url as string);
    session.on("error", () => undefined);
    try {
      const started = performance.now();
      await h2Healthz(session);
      const closedAfter = await sessionClosedAfter(session, started, IDLE_MS + 3000);
      expect(closedAfter).toBeGreaterThanOrEqual(IDLE_MS - 50);
      expect(closedAfter).toBeLessThan(IDLE_MS + 2500);
    } finally {
      session.destroy();
    }
  });

  it("closes an HTTP/2 session with no stream open for the idle timeout, even while the peer keeps pinging", async () => {
    // PING (or SETTINGS) frames are traffic, but no work: they must not hold a connection open forever.
    const session = h2Connect(rt.url as string);
    session.on("error", () => undefined);
    const pinger = setInterval(() => {
      if (!session.closed && !session.destroyed) session.ping(() => undefined);
    }, IDLE_MS / 5);
    try {
      const started = performance.now();
      await h2Healthz(session);
      const closedAfter = await sessionClosedAfter(session, started, IDLE_MS + 3000);
      expect(closedAfter).toBeLessThan(IDLE_MS + 2500);
    } finally {
      clearInterval(pinger);
      session.destroy();
    }
  });

  it("refuses connections over the listener's cap, and serves again once they are gone", async () => {
    const held: Socket[] = [];
    try {
      // From several addresses, each under its per-peer cap; the test's own idle keep-alive sockets count too.
      // Silent: the sniff closes them only after SNIFF_MS, so what closes sooner was refused.
      for (let i = 0; i <= MAX; i++)
        held.push(await open(port, `127.0.0.${3 + Math.floor(i / (PER_PEER - 1))}`));
      const closed = await Promise.all(held.map((s) => closedWithin(s, SNIFF_MS / 2)));
      const refused = closed.some((ms) => ms < SNIFF_MS / 2);
      expect(refused).toBe(true);
      expect(
        await rt.waitForLog((l) => l.event === "connection_refused" && l.reason === "listener_limit", 2000),
      ).toMatchObject({ reason: "listener_limit" });
    } finally {
      for (const s of held) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect((await healthz(rt.url as string)).status).toBe(200);
  });
});
