import { lstat, unlink } from "node:fs/promises";
import { createServer as createHttp1Server } from "node:http";
import { createServer as createHttp2Server, constants as h2constants } from "node:http2";
import { type AddressInfo, createServer as createNetServer, type Server } from "node:net";
import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ANSWER_COMPRESSION } from "./answer-compression.js";
import { batchReadMaxBytes } from "./batch-size.js";
import { createBinaryLane } from "./binary-lane.js";
import { createCallerAuthenticator } from "./caller-authenticator.js";
import { createConnectionGuard } from "./connection-guard.js";
import type { Runtime } from "./create-runtime.js";
import { answerMalformedAsInvalid } from "./malformed-request.js";
import { type AnyRequest, type AnyResponse, answerProbes } from "./probe-routes.js";
import { createProtocolDispatch } from "./protocol-dispatch.js";
import { answerRecordings } from "./recording-routes.js";
import { runtimeRoutes, VIA_SOCKET } from "./runtime-routes.js";

/**
 * The smallest answer compressed for a caller that accepts gzip or brotli (Connect's default is 1 KiB).
 * The runtime answers callers on the cluster's network, where gzip costs more than the bytes it saves:
 * a 500-line batch's 42 KB answer took ~0.2 ms of the service's thread to gzip, and as long again to
 * gunzip in the caller, to save ~30 µs on a 10 Gbit/s link. Requests may still come compressed.
 */
const COMPRESS_MIN_BYTES = 1024 * 1024;

/** Where to listen. At least one of `port` and `socket`. */
export interface RuntimeServerOptions {
  /** TCP port; 0 picks a free one. Unset: no TCP listener. */
  port?: number | undefined;
  /** TCP address. Default "127.0.0.1". */
  host?: string | undefined;
  /** Unix domain socket path (spec 479 §10.4). A stale socket file is replaced. */
  socket?: string | undefined;
  /**
   * Largest request message, in bytes. Default 1 MiB (the input limit is 256 KiB; base64 in JSON grows it
   * by a third). InvokeExtensionBatch reads up to its caps' worth (batchReadMaxBytes), or this when larger.
   */
  readMaxBytes?: number | undefined;
  /**
   * Serve Connect's binary unary calls of InvokeExtension and
   * InvokeExtensionBatch without Connect's per-request machinery, with the
   * same checks and answers (binary-lane.ts). Default true; false hands every
   * request to Connect.
   */
  binaryLane?: boolean | undefined;
}

/** A listening runtime server. */
export interface RuntimeServer {
  /** `http://host:port` of the TCP listener, when there is one. */
  readonly url: string | undefined;
  /** The TCP port, when listening on TCP. */
  readonly port: number | undefined;
  /** The socket path, when listening on one. */
  readonly socket: string | undefined;
  /**
   * Graceful shutdown: stops taking new invocations at once (readiness goes
   * false, RPCs get `unavailable/shutting_down`), lets the requests in flight
   * finish (at most `graceMs`, default the settings' `shutdownGraceMs`), then
   * stops listening, closes every connection and closes the runtime.
   * Resolves true when nothing in flight had to be cut.
   */
  shutdown(graceMs?: number): Promise<boolean>;
}

/**
 * The HTTP/2 streams one session may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
 * Node's default is 2^32-1: one connection could hold any number of pending requests.
 */
export const H2_MAX_STREAMS = 100;

/**
 * Serves a runtime: Connect, gRPC and gRPC-Web on one port, over HTTP/2
 * without TLS (h2c with prior knowledge, as inside a cluster) and HTTP/1.1,
 * and the same on a Unix domain socket when asked. Next to the RPCs, plain
 * HTTP GETs answer `/healthz` (alive), `/readyz` (ready for traffic),
 * `/metrics` (Prometheus) and `/.well-known/jwks.json` (the keys that verify
 * host-call tokens) (probe-routes.ts).
 *
 * A plain TCP server reads the first bytes of each connection and hands it to
 * the HTTP/2 or the HTTP/1.1 server (protocol-dispatch.ts).
 *
 * Callers are authenticated as `runtime.settings.auth` says; with auth
 * unset the server refuses to start (`failed_precondition`), and with
 * `insecure_local` it logs a warning. Connections on the Unix socket are
 * marked, so a configured socket peer principal applies to them alone.
 */
export async function startRuntimeServer(
  runtime: Runtime,
  options: RuntimeServerOptions,
): Promise<RuntimeServer> {
  if (options.port === undefined && options.socket === undefined)
    throw new RangeError("startRuntimeServer needs a port, a socket, or both");
  const auth = await createCallerAuthenticator(runtime.settings.auth);
  if (auth.mode === "insecure_local")
    runtime.logger.warn(
      { event: "auth_insecure_local" },
      "runtime.auth.mode is insecure_local: ANY caller that reaches this runtime may act for ANY tenant; never use it outside a developer's machine",
    );
  // Connections that came in on the Unix socket: HTTP/1.1 by socket, HTTP/2 by session.
  const socketPeers = new WeakSet<object>();
  const readMaxBytes = options.readMaxBytes ?? 1024 * 1024;
  const viaSocket = (req: AnyRequest) =>
    socketPeers.has("stream" in req ? (req.stream.session ?? {}) : req.socket);
  const routeMaxBytes = {
    single: readMaxBytes,
    batch: Math.max(batchReadMaxBytes(runtime.settings.batch), readMaxBytes),
  };
  // Connect's binary unary calls of the two RPCs skip Connect's request machinery (binary-lane.ts).
  const lane =
    options.binaryLane === false
      ? () => false
      : createBinaryLane({
          runtime,
          auth,
          readMaxBytes: routeMaxBytes,
          compressMinBytes: COMPRESS_MIN_BYTES,
          viaSocket,
        });
  const handler = connectNodeAdapter({
    routes: (router) => {
      runtimeRoutes(runtime, auth, readMaxBytes)(router);
      answerMalformedAsInvalid(router);
    },
    fallback: answerRecordings(runtime, auth, viaSocket, answerProbes(runtime)),
    contextValues: (req) => createContextValues().set(VIA_SOCKET, viaSocket(req)),
    readMaxBytes,
    // Answers under COMPRESS_MIN_BYTES go out as they are, whatever the caller accepts: see its comment.
    compressMinBytes: COMPRESS_MIN_BYTES,
    // gzip, and brotli at a quality that costs milliseconds, not a second, per large answer.
    acceptCompression: [...ANSWER_COMPRESSION],
    // A JSON field the message does not have is the caller's mistake, never dropped (malformed-request.ts).
    jsonOptions: { ignoreUnknownFields: false },
  });

  const limits = runtime.settings.connections;
  const guard = createConnectionGuard(limits, runtime.logger, (reason) =>
    runtime.metrics.connectionRefused(reason),
  );
  // Requests being answered, so shutdown waits for responses to be written, not only for invocations to end.
  let active = 0;
  let onIdle: (() => void) | undefined;
  const tracked = (req: AnyRequest, res: AnyResponse) => {
    active++;
    res.once("close", () => {
      active--;
      if (active === 0) onIdle?.();
    });
    // An HTTP/2 answer sent before its request body was read (over the limit, refused): reset the stream,
    // so the client stops sending and sees the answer, instead of waiting on a window that never opens.
    // Node's compat response always ends with trailers (gRPC's status is in them): the reset waits for
    // "wantTrailers", whose first listener (the compat layer's) has sent them, and for the next turn.
    if ("stream" in req) guard.watchStream(req.stream, () => req.complete);
    if ("stream" in req)
      req.stream.once("wantTrailers", () =>
        setImmediate(() => {
          if (!req.complete && !req.stream.closed) req.stream.close(h2constants.NGHTTP2_NO_ERROR);
        }),
      );
    if (!lane(req, res)) handler(req, res);
  };
  const idle = (ms: number) =>
    active === 0
      ? Promise.resolve(true)
      : new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(active === 0), ms);
          onIdle = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });

  const http1 = createHttp1Server(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.idleTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    tracked,
  );
  // The HTTP/1.1 server never listens itself (connections are handed to it), and Node starts the timer
  // that enforces headersTimeout and requestTimeout on "listening".
  http1.emit("listening");
  const http2 = createHttp2Server({ settings: { maxConcurrentStreams: H2_MAX_STREAMS } }, tracked);
  const { dispatch, sockets, sessions } = createProtocolDispatch(guard, http1, http2, socketPeers);

  const listeners: Server[] = [];
  const listen = async (target: { port: number; host: string } | { path: string }) => {
    const viaSocket = "path" in target;
    const server = createNetServer((socket) => dispatch(socket, viaSocket));
    guard.capListener(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(target, () => {
        server.off("error", reject);
        resolve();
      });
    });
    listeners.push(server);
    return server;
  };

  let port: number | undefined;
  let url: string | undefined;
  const host = options.host ?? "127.0.0.1";
  if (options.port !== undefined) {
    const tcp = await listen({ port: options.port, host });
    port = (tcp.address() as AddressInfo).port;
    url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  }
  if (options.socket !== undefined) {
    const stale = await lstat(options.socket).catch(() => undefined);
    if (stale?.isSocket()) await unlink(options.socket);
    await listen({ path: options.socket });
  }

  let shutting: Promise<boolean> | undefined;
  return {
    url,
    port,
    socket: options.socket,
    shutdown(graceMs) {
      shutting ??= (async () => {
        const grace = graceMs ?? runtime.settings.shutdownGraceMs;
        const started = performance.now();
        // First stop taking work, not connections: while the invocations in flight finish, /readyz says 503
        // and new RPCs get unavailable/shutting_down, which clients retry elsewhere.
        const drained = runtime.drain(grace);
        // HTTP/2: GOAWAY, so clients open no new streams here; streams in flight finish.
        for (const s of sessions) s.close();
        const clean =
          (await drained) && (await idle(Math.max(0, grace - (performance.now() - started)) + 50));
        const closed = Promise.all(
          listeners.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
        );
        for (const s of sessions) s.destroy();
        for (const socket of sockets) socket.destroy();
        http1.close();
        http2.close();
        await closed;
        await runtime.close();
        return clean;
      })();
      return shutting;
    },
  };
}
