import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import type { Runtime } from "./create-runtime.js";

type Fallback = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
/** A request the server answers, HTTP/1.1 or HTTP/2. */
export type AnyRequest = Parameters<Fallback>[0];
/** A response the server writes, HTTP/1.1 or HTTP/2. */
export type AnyResponse = Parameters<Fallback>[1];

function send(res: AnyResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

/**
 * What a runtime server answers next to its RPCs, to plain HTTP GETs (and
 * HEADs): `/healthz` (alive), `/readyz` (ready for traffic; 503 while starting
 * or draining), `/metrics` (Prometheus) and `/.well-known/jwks.json` (the keys
 * that verify host-call tokens); 404 for anything else.
 */
export function answerProbes(runtime: Runtime): Fallback {
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" || req.method === "HEAD") {
      switch (path) {
        case "/healthz":
          return send(res, 200, "text/plain; charset=utf-8", "ok\n");
        case "/readyz":
          return runtime.ready
            ? send(res, 200, "text/plain; charset=utf-8", "ready\n")
            : send(res, 503, "text/plain; charset=utf-8", runtime.draining ? "draining\n" : "starting\n");
        case "/metrics":
          runtime.metrics.render().then(
            (text) => send(res, 200, runtime.metrics.registry.contentType, text),
            (e: unknown) => send(res, 500, "text/plain; charset=utf-8", `${String(e)}\n`),
          );
          return;
        case "/.well-known/jwks.json":
          return send(res, 200, "application/json", JSON.stringify(runtime.jwks));
      }
    }
    send(res, 404, "text/plain; charset=utf-8", "not found\n");
  };
}
