import type { Server as Http1Server } from "node:http";
import type { Http2Server, Http2Session } from "node:http2";
import type { Socket } from "node:net";
import { Duplex, PassThrough } from "node:stream";
import type { ConnectionGuard } from "./connection-guard.js";

// The HTTP/2 connection preface starts "PRI * HTTP/2.0"; no HTTP/1.1 method starts with "PRI".
const H2_PREFACE = Buffer.from("PRI", "latin1");

/** Hands each accepted connection to the HTTP/2 or the HTTP/1.1 server, by its first bytes. */
export interface ProtocolDispatch {
  /** Takes one accepted connection; `viaSocket` when it came in on the Unix socket. */
  dispatch(socket: Socket, viaSocket: boolean): void;
  /** Open connections, to close at shutdown. */
  readonly sockets: ReadonlySet<Socket>;
  /** Open HTTP/2 sessions, to send GOAWAY to and close at shutdown. */
  readonly sessions: ReadonlySet<Http2Session>;
}

/**
 * Node 20's `http2.createServer` cannot fall back to HTTP/1.1 without TLS
 * (`allowHTTP1` works only with ALPN), so a plain TCP server reads the first
 * bytes of each connection and hands it to the HTTP/2 or the HTTP/1.1 server.
 * Each connection passes `guard` first; one from the Unix socket is marked in
 * `socketPeers` (its socket for HTTP/1.1, its session for HTTP/2).
 */
export function createProtocolDispatch(
  guard: ConnectionGuard,
  http1: Http1Server,
  http2: Http2Server,
  socketPeers: WeakSet<object>,
): ProtocolDispatch {
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  let nextSessionViaSocket = false;
  http2.on("session", (s) => {
    guard.watchSession(s);
    if (nextSessionViaSocket) socketPeers.add(s);
    sessions.add(s);
    s.once("close", () => sessions.delete(s));
  });

  const handOver = (socket: Socket, head: Buffer, h2: boolean, viaSocket: boolean) => {
    if (h2) {
      // The HTTP/2 session reads from a stream that replays the bytes already taken.
      const readable = new PassThrough();
      readable.write(head);
      socket.pipe(readable);
      const duplex = Duplex.from({ readable, writable: socket });
      socket.once("close", () => duplex.destroy());
      duplex.on("error", () => socket.destroy());
      nextSessionViaSocket = viaSocket; // the "session" event fires within emit()
      http2.emit("connection", duplex);
      nextSessionViaSocket = false;
    } else {
      socket.unshift(head);
      http1.emit("connection", socket);
      socket.resume();
    }
  };

  return {
    sockets,
    sessions,
    dispatch(socket, viaSocket) {
      socket.on("error", () => socket.destroy());
      if (!guard.admit(socket)) return;
      if (viaSocket) socketPeers.add(socket);
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      socket.setNoDelay(true);
      const sniffed = guard.sniff(socket);
      let head: Buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        const n = Math.min(head.length, H2_PREFACE.length);
        const h2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
        if (h2 && head.length < H2_PREFACE.length) return; // too short to tell yet
        sniffed();
        socket.off("data", onData);
        socket.pause();
        handOver(socket, head, h2, viaSocket);
      };
      socket.on("data", onData);
    },
  };
}
