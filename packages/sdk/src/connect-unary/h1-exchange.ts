// A Connect unary request over HTTP/1.1: node:http (or https) with a keep-alive
// Agent, on TCP or a Unix domain socket.
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { PendingCall } from "./pending-call.js";

/** Sends one request's bytes and reports its answer to a pending call. */
export interface Exchange {
  send(path: string, headers: OutgoingHttpHeaders, body: Uint8Array, call: PendingCall): void;
  /** Closes the connections. */
  close(): void;
}

/** Creates the HTTP/1.1 exchange of `url` (its origin), or of `socketPath` when given. */
export function createH1Exchange(url: URL, socketPath: string | undefined): Exchange {
  const tls = url.protocol === "https:";
  const agent = tls ? new HttpsAgent({ keepAlive: true }) : new Agent({ keepAlive: true });
  const request = tls ? httpsRequest : httpRequest;
  const target =
    socketPath === undefined
      ? { hostname: url.hostname.replace(/^\[|\]$/g, ""), port: url.port || (tls ? 443 : 80) }
      : { socketPath };
  return {
    send(path, headers, body, call) {
      const req = request({
        ...target,
        agent,
        method: "POST",
        path,
        headers: { ...headers, "content-length": body.byteLength },
      });
      // Handlers first: nothing below may fail without them.
      req.on("error", (e) => call.fail(e));
      // Destroyed without an error: the call already holds its own, and none is left to be unhandled.
      call.onCut(() => req.destroy());
      req.on("response", (res) => {
        res.on("error", (e) => call.fail(e));
        res.on("data", (data: Buffer) => call.chunk(data));
        res.on("end", () => call.end());
        res.on("close", () => {
          if (!res.complete) call.fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
        });
        call.head(res.statusCode ?? 0, res.headers);
      });
      req.end(body);
    },
    close() {
      agent.destroy();
    },
  };
}
