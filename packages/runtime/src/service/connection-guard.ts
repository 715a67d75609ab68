import { type Http2Session, constants as h2constants, type ServerHttp2Stream } from "node:http2";
import type { Server, Socket } from "node:net";
import type { Logger } from "pino";
import type { ConnectionSettings } from "./runtime-settings.js";

/** Why a connection was closed by the guard, as logged (`event: "connection_refused"`). */
export type ConnectionRefusal =
  | "per_peer_limit"
  | "listener_limit"
  | "sniff_timeout"
  | "preface_timeout"
  | "request_timeout";

/** Refusals of one reason are logged at most once per this many milliseconds (with a count), so a flood cannot flood the log. */
const LOG_EVERY_MS = 1000;

/** The connection timeouts and caps of a runtime server (settings.connections), applied socket by socket. */
export interface ConnectionGuard {
  /** Counts a new connection against its peer's cap; closes it and answers false when over. Unix-socket connections have no peer address and count only against their listener. */
  admit(socket: Socket): boolean;
  /** Closes `socket` unless the returned function (call it once the protocol is known) runs within the sniff timeout. */
  sniff(socket: Socket): () => void;
  /** HTTP/2: closes a session that opens no stream within the sniff timeout after its preface, or sits idle (no stream open) for the idle timeout. */
  watchSession(session: Http2Session): void;
  /**
   * HTTP/2: resets a stream (CANCEL) whose request is not complete within the request timeout, as
   * HTTP/1.1's requestTimeout does; `complete` tells whether its request body has been read.
   */
  watchStream(stream: ServerHttp2Stream, complete: () => boolean): void;
  /** Caps a listener's connections at `settings.max`. */
  capListener(server: Server): void;
}

/**
 * Creates a {@link ConnectionGuard}; refusals are logged as `connection_refused` with a `reason` and
 * counted through `onRefused` (every one, where the log is throttled).
 */
export function createConnectionGuard(
  settings: ConnectionSettings,
  logger: Logger,
  onRefused: (reason: ConnectionRefusal) => void = () => undefined,
): ConnectionGuard {
  const perPeer = new Map<string, number>();
  const lastLogged = new Map<ConnectionRefusal, { at: number; since: number }>();
  const refused = (reason: ConnectionRefusal, peer: string | undefined) => {
    onRefused(reason);
    const seen = lastLogged.get(reason) ?? { at: Number.NEGATIVE_INFINITY, since: 0 };
    seen.since++;
    lastLogged.set(reason, seen);
    const now = performance.now();
    if (now - seen.at < LOG_EVERY_MS) return;
    logger.warn(
      { event: "connection_refused", reason, peer, refused_since_last_line: seen.since },
      `connection closed: ${reason}`,
    );
    seen.at = now;
    seen.since = 0;
  };
  return {
    admit(socket) {
      const peer = socket.remoteAddress;
      if (peer === undefined) return true;
      const n = perPeer.get(peer) ?? 0;
      if (n >= settings.maxPerPeer) {
        refused("per_peer_limit", peer);
        socket.destroy();
        return false;
      }
      perPeer.set(peer, n + 1);
      socket.once("close", () => {
        const left = (perPeer.get(peer) ?? 1) - 1;
        if (left === 0) perPeer.delete(peer);
        else perPeer.set(peer, left);
      });
      return true;
    },
    sniff(socket) {
      const timer = setTimeout(() => {
        refused("sniff_timeout", socket.remoteAddress);
        socket.destroy();
      }, settings.sniffTimeoutMs);
      socket.once("close", () => clearTimeout(timer));
      return () => clearTimeout(timer);
    },
    watchSession(session) {
      let open = 0;
      const preface = setTimeout(() => {
        refused("preface_timeout", session.socket?.remoteAddress);
        session.destroy();
      }, settings.sniffTimeoutMs);
      session.on("stream", (stream) => {
        clearTimeout(preface);
        open++;
        stream.once("close", () => open--);
      });
      session.once("close", () => clearTimeout(preface));
      // No frame for the idle time: close it unless a request is still being answered (a long invocation).
      const onIdle = () => {
        if (open === 0) session.close();
        else session.setTimeout(settings.idleTimeoutMs, onIdle);
      };
      session.setTimeout(settings.idleTimeoutMs, onIdle);
    },
    watchStream(stream, complete) {
      const timer = setTimeout(() => {
        if (complete() || stream.closed) return;
        refused("request_timeout", stream.session?.socket?.remoteAddress);
        stream.close(h2constants.NGHTTP2_CANCEL);
      }, settings.requestTimeoutMs);
      stream.once("close", () => clearTimeout(timer));
    },
    capListener(server) {
      server.maxConnections = settings.max;
      server.on("drop", (data) => refused("listener_limit", data?.remoteAddress));
    },
  };
}
