// A Connect unary request over HTTP/2: a stream of connect-node's
// Http2SessionManager, which owns the session (pings, idle close, the Unix socket).
import { constants, type IncomingHttpHeaders } from "node:http2";
import { connect as netConnect } from "node:net";
import { Code } from "@connectrpc/connect";
import { Http2SessionManager } from "@connectrpc/connect-node";
import type { Exchange } from "./h1-exchange.js";
import { connectErrorFromRstCode } from "./node-reason.js";

/** The error of a stream the peer cut: ECONNRESET, read as connect-node reads it (`Aborted`, the SDK's retryable `unavailable`). */
function cutByPeer(): Error {
  return Object.assign(new Error("the http/2 stream was cut before its answer was complete"), {
    code: "ECONNRESET",
  });
}

/** Creates the HTTP/2 exchange of `url`'s origin, through `socketPath` when given. */
export function createH2Exchange(url: URL, socketPath: string | undefined): Exchange {
  const session = new Http2SessionManager(
    url.origin,
    { idleConnectionTimeoutMs: 60_000 },
    socketPath === undefined ? {} : { createConnection: () => netConnect(socketPath) },
  );
  return {
    send(path, headers, body, call) {
      session.request("POST", path, headers, {}).then(
        (stream) => {
          // Handlers first: nothing below may fail without them.
          stream.on("error", (e) => call.fail(e));
          stream.on("close", () => {
            if (call.settled) return;
            // A session the peer cut closes its streams with CANCEL: that is a reset, not the caller's cancel.
            const peerCut = stream.session === undefined || stream.session.destroyed;
            call.fail((peerCut ? undefined : connectErrorFromRstCode(stream.rstCode)) ?? cutByPeer());
          });
          if (call.settled) return stream.close(constants.NGHTTP2_CANCEL);
          call.onCut((err) => {
            if (!stream.closed)
              stream.close(
                err.code === Code.Canceled ? constants.NGHTTP2_CANCEL : constants.NGHTTP2_INTERNAL_ERROR,
              );
          });
          stream.on("response", (h: IncomingHttpHeaders) => call.head(Number(h[":status"] ?? 0), h));
          stream.on("data", (data: Buffer) => {
            call.chunk(data);
            session.notifyResponseByteRead(stream);
          });
          stream.on("end", () => {
            // A stream the peer cut mid-answer ends too, already reset: a cut, not a short body.
            if (stream.rstCode) call.fail(cutByPeer());
            else call.end();
          });
          stream.end(body);
        },
        (e) => call.fail(e),
      );
    },
    close() {
      session.abort();
    },
  };
}
