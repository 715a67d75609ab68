import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ErrorCode, ExtensionError, toConnectCode } from "@ameide-ext/contract";
import { createMockHostCalls, type HostCallMock } from "@ameide-ext/toolkit";
import { codeToHttpStatus, codeToString } from "@connectrpc/connect/protocol-connect";

/** The largest request body the answers server reads, in bytes (the runtime caps a host-call request lower). */
export const HOST_CALL_BODY_LIMIT = 1024 * 1024;

/** Options of {@link startHostCallAnswers}. */
export interface HostCallAnswersOptions {
  /** The answers, in a fixture's `hostCalls` format (`ameide-ext schema fixture`). */
  answers: readonly HostCallMock[];
  /** The file they came from, as people should read it: named in the error of a call no answer matches. */
  file: string;
  /** The interface to listen on. Default 127.0.0.1 (loopback only). */
  host?: string | undefined;
  /** The port. Default 0: a free one. */
  port?: number | undefined;
  /** Called with the message of each call no answer matched (`dev` prints it on stderr). */
  onUnanswered?: ((message: string) => void) | undefined;
}

/** A running answers server. */
export interface HostCallAnswers {
  /** Its base URL, for the catalog's `host_services`. */
  url: string;
  /** The services the answers name, in file order, each once: the ones to point at {@link url}. */
  services: string[];
  /** Stops listening and closes its connections. */
  close(): Promise<void>;
}

const ROUTE = /^\/([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\/([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * `ameide-ext dev --host-calls <file>`: a host service for the local runtime that answers each host call
 * from fixture-style answers, as a real service would over the Connect protocol (unary, JSON codec:
 * `POST /<service>/<method>`). Answers are matched as in `test` (same service and method, and the same
 * request by deep equality when the answer gives one), but never used up: the first matching answer, in
 * file order, answers every such call, so invocation after invocation gets the same answer. An error
 * answer becomes a Connect error with its code. A call no answer matches gets `unavailable` naming the call,
 * its request and the file; a request that is not a POST to `/<service>/<method>`, or is over
 * {@link HOST_CALL_BODY_LIMIT}, gets a coded Connect error too, and the server keeps serving. The bearer
 * token the runtime sends is not checked: the server listens on loopback, for local development only.
 */
export async function startHostCallAnswers(options: HostCallAnswersOptions): Promise<HostCallAnswers> {
  const hint = `add an answer for it to ${options.file} (format: ameide-ext schema fixture, hostCalls) and restart ameide-ext dev`;
  const mocks = createMockHostCalls(options.answers, hint, { reuse: true });
  const server = createServer((req, res) => {
    void answer(req, res).catch((cause: unknown) => sendError(res, ExtensionError.from(cause)));
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") {
      req.resume();
      return sendError(
        res,
        new ExtensionError("invalid_argument", `host calls are POSTs (Connect unary), not ${req.method}`),
        405,
      );
    }
    const route = ROUTE.exec(new URL(req.url ?? "/", "http://localhost").pathname);
    if (!route) {
      req.resume();
      return sendError(
        res,
        new ExtensionError("not_found", `no such route ${JSON.stringify(req.url)}: POST /<service>/<method>`),
      );
    }
    const requestJson = await readBody(req);
    const [, service = "", method = ""] = route;
    const before = mocks.unexpected().length;
    try {
      const body = await mocks.handler({ service, method, requestJson, ctx: undefined, remainingMs: 0 });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    } catch (cause) {
      const unexpected = mocks.unexpected();
      if (unexpected.length > before) {
        const message = `ameide-ext dev --host-calls: ${unexpected.at(-1)}`;
        options.onUnanswered?.(message);
        return sendError(res, new ExtensionError("unavailable", message, "host_call_failed"));
      }
      sendError(res, ExtensionError.from(cause));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    services: [...new Set(options.answers.map((a) => a.service))],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The body as text; over {@link HOST_CALL_BODY_LIMIT} it throws `resource_exhausted` and drains the rest. */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > HOST_CALL_BODY_LIMIT) {
      req.resume();
      throw new ExtensionError(
        "resource_exhausted",
        `the host-call request is over ${HOST_CALL_BODY_LIMIT} bytes`,
        undefined,
        { limit: HOST_CALL_BODY_LIMIT },
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A Connect error: the HTTP status of its code and `{"code","message"}`, as the runtime's host caller reads it. */
function sendError(res: ServerResponse, error: ExtensionError, status?: number): void {
  if (res.headersSent) return void res.destroy();
  const code = toConnectCode(error.code as ErrorCode);
  res
    .writeHead(status ?? codeToHttpStatus(code), { "content-type": "application/json" })
    .end(JSON.stringify({ code: codeToString(code), message: error.message }));
}
