// Red team: the runtime client's connect-node transports (connectClient "connect-node", gRPC, gRPC-Web) against a
// hostile runtime answering with a gzip bomb. Each must stop inflating at the SDK's read cap, as the lean client
// does, with resource_exhausted, rather than at connect's own default of 4 GiB.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createH2Server, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { ExtensionError } from "@ameide-ext/contract";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_READ_MAX_BYTES } from "./connect-unary/binary-unary-call.js";
import { userContext } from "./execution-context.js";
import { createRuntimeClient, type RuntimeClientOptions } from "./runtime-client.js";

const MiB = 1024 * 1024;
const ctx = userContext({ tenantId: "acme", userId: "u-1" });

/** `mib` MiB of zeros, gzipped as that many concatenated 1 MiB members: a few hundred bytes a MiB, built without the MiBs. */
function gzipBomb(mib: number): Buffer {
  const member = gzipSync(Buffer.alloc(MiB));
  return Buffer.concat(Array.from({ length: mib }, () => member));
}

/** `message` in a gRPC / gRPC-Web envelope flagged compressed. */
function compressedEnvelope(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(1, 0);
  head.writeUInt32BE(message.byteLength, 1);
  return Buffer.concat([head, message]);
}

type Protocol = NonNullable<RuntimeClientOptions["protocol"]>;

/** What a runtime of `protocol` answers: the bomb as its one response message, gzip-encoded. */
function bombAnswer(protocol: Protocol, bomb: Buffer): { headers: Record<string, string>; body: Buffer } {
  if (protocol === "connect")
    return { headers: { "content-type": "application/proto", "content-encoding": "gzip" }, body: bomb };
  const type = protocol === "grpc" ? "application/grpc+proto" : "application/grpc-web+proto";
  return { headers: { "content-type": type, "grpc-encoding": "gzip" }, body: compressedEnvelope(bomb) };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A hostile runtime over HTTP/1.1 that answers every call with `answer`. */
async function h1Runtime(answer: { headers: Record<string, string>; body: Buffer }): Promise<string> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => res.writeHead(200, answer.headers).end(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A hostile runtime over h2c that answers every call with `answer` (gRPC trailers ok, so only the body can fail). */
async function h2Runtime(answer: { headers: Record<string, string>; body: Buffer }): Promise<string> {
  const server: Http2Server = createH2Server();
  server.on("stream", (stream) => {
    stream.on("error", () => undefined);
    stream.resume();
    stream.on("end", () => {
      stream.respond({ ":status": 200, ...answer.headers }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** One invocation's error code (or "ok"), and how far the process's RSS rose above where it was, at its peak. */
async function invokeMeasured(
  options: RuntimeClientOptions,
): Promise<{ code: string; rssGrowthMiB: number }> {
  const client = createRuntimeClient({ timeoutMs: 30_000, retry: { attempts: 1 }, ...options });
  cleanups.push(() => client.close());
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 2);
  let code: string;
  try {
    await client.invoke({ extensionId: "x", ctx, input: {} });
    code = "ok";
  } catch (e) {
    code = e instanceof ExtensionError ? e.code : `raw ${(e as Error).name}: ${(e as Error).message}`;
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { code, rssGrowthMiB: Math.round((peak - before) / MiB) };
}

describe("the runtime client's connect-node transports against a gzip bomb", () => {
  const cases: Array<{ name: string; protocol: Protocol; httpVersion: "1.1" | "2" }> = [
    { name: 'connectClient "connect-node" over HTTP/1.1', protocol: "connect", httpVersion: "1.1" },
    { name: 'connectClient "connect-node" over HTTP/2', protocol: "connect", httpVersion: "2" },
    { name: "gRPC-Web over HTTP/1.1", protocol: "grpc-web", httpVersion: "1.1" },
    { name: "gRPC-Web over HTTP/2", protocol: "grpc-web", httpVersion: "2" },
    { name: "gRPC over HTTP/2", protocol: "grpc", httpVersion: "2" },
  ];

  it.each(cases)(
    "$name: stops inflating at readMaxBytes with resource_exhausted, its memory bounded",
    async ({ protocol, httpVersion }) => {
      const answer = bombAnswer(protocol, gzipBomb(192));
      const baseUrl = httpVersion === "2" ? await h2Runtime(answer) : await h1Runtime(answer);
      const { code, rssGrowthMiB } = await invokeMeasured({
        baseUrl,
        protocol,
        httpVersion,
        connectClient: "connect-node",
        readMaxBytes: MiB,
      });
      expect(code).toBe("resource_exhausted");
      // 192 MiB inflated in full before the fix; at a 1 MiB cap, a few MiB of buffers at most.
      expect(rssGrowthMiB).toBeLessThan(64);
    },
  );

  it("refuses, by default, an answer inflating past the SDK's default cap (128 MiB), as the lean client does", async () => {
    const bomb = gzipBomb(DEFAULT_READ_MAX_BYTES / MiB + 32);
    for (const protocol of ["connect", "grpc-web"] as const) {
      const baseUrl = await h1Runtime(bombAnswer(protocol, bomb));
      const options = { baseUrl, protocol, httpVersion: "1.1", connectClient: "connect-node" } as const;
      expect((await invokeMeasured(options)).code).toBe("resource_exhausted");
    }
  });

  it.each([0, -1, 1.5, 2 ** 32, Number.NaN])(
    "refuses a readMaxBytes of %s with invalid_argument",
    (readMaxBytes) => {
      for (const connectClient of ["lean", "connect-node"] as const)
        expect(() =>
          createRuntimeClient({ baseUrl: "http://127.0.0.1:9", connectClient, readMaxBytes }),
        ).toThrowError(expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }));
    },
  );
});
