// The SDK's lean client of the Connect protocol's binary unary calls: one
// request's bytes out, the answer's bytes back, with connect's own protocol
// helpers (headers, response checks, JSON errors) and none of its transport's
// per-call machinery (async iterables, interceptors, envelope pipes).
import type { OutgoingHttpHeaders } from "node:http";
import { ExtensionError, fromConnectError } from "@ameide-ext/contract";
import { requestHeaderWithCompression } from "@connectrpc/connect/protocol-connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { createH1Exchange, type Exchange } from "./h1-exchange.js";
import { createH2Exchange } from "./h2-exchange.js";
import { createPendingCall } from "./pending-call.js";

/** Sends one Connect binary unary request; resolves with the response body's bytes (a 200), or throws ExtensionError. */
export interface BinaryUnaryCall {
  call(
    path: string,
    body: Uint8Array,
    o: { timeoutMs: number; signal?: AbortSignal | undefined; headers: Record<string, string> },
  ): Promise<Uint8Array>;
  close(): void;
}

/** Options of {@link createBinaryUnaryCall}. */
export interface BinaryUnaryCallOptions {
  /** The server's URL; a path in it prefixes each call's path, as connect's `baseUrl` does. */
  baseUrl: string;
  httpVersion: "1.1" | "2";
  /** A Unix domain socket to connect to instead of the URL's host and port. */
  socketPath?: string | undefined;
  /** The largest answer body read, compressed or not; larger ones fail with `resource_exhausted`. Default {@link DEFAULT_READ_MAX_BYTES}. */
  readMaxBytes?: number;
}

/**
 * The default cap of an answer's body: 128 MiB, compressed or decompressed.
 * connect-node's default is 0xffffffff (4 GiB). The runtime's largest answer
 * with default limits, a batch of 1,000 inputs each with a 64 KiB output and
 * 16 KiB of logs, is about 80 MiB, so a bigger one is a fault, refused before
 * it fills the caller's memory.
 */
export const DEFAULT_READ_MAX_BYTES = 128 * 1024 * 1024;
/** The largest cap connect allows (`readMaxBytes` ≤ 0xffffffff). */
const MAX_READ_MAX_BYTES = 0xffffffff;
/** The encodings accepted, as connect-node's transport accepts them (the runtime compresses answers over 1 MiB). */
const ACCEPT = [compressionGzip, compressionBrotli];

/** The headers every call sends, built once by connect's own helper: content type, protocol version, user agent, accepted encodings. */
function fixedHeaders(): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  requestHeaderWithCompression("unary", true, undefined, undefined, ACCEPT, null, true).forEach((v, k) => {
    headers[k] = v;
  });
  return headers;
}

/**
 * The cap of an answer's body: `readMaxBytes` checked, or {@link DEFAULT_READ_MAX_BYTES} when unset. Every
 * transport the SDK creates, its own or connect-node's, reads with it. Throws `invalid_argument` for a value
 * that is not an integer from 1 to 0xffffffff (connect's own bound).
 */
export function resolveReadMaxBytes(readMaxBytes: number | undefined): number {
  const value = readMaxBytes ?? DEFAULT_READ_MAX_BYTES;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_READ_MAX_BYTES)
    throw new ExtensionError(
      "invalid_argument",
      `readMaxBytes is ${value}, it must be an integer from 1 to ${MAX_READ_MAX_BYTES}`,
      "invalid_input",
    );
  return value;
}

/** Creates the lean client of Connect binary unary calls to one server, over HTTP/1.1 or HTTP/2, TCP or a Unix socket. */
export function createBinaryUnaryCall(options: BinaryUnaryCallOptions): BinaryUnaryCall {
  const readMaxBytes = resolveReadMaxBytes(options.readMaxBytes);
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new ExtensionError(
      "invalid_argument",
      `baseUrl is ${JSON.stringify(options.baseUrl)}, it must be an http:// or https:// URL`,
      "invalid_input",
    );
  }
  const prefix = url.pathname.replace(/\/+$/, "");
  const exchange: Exchange =
    options.httpVersion === "2"
      ? createH2Exchange(url, options.socketPath)
      : createH1Exchange(url, options.socketPath);
  const fixed = fixedHeaders();
  return {
    async call(path, body, o) {
      const { call, answer } = createPendingCall({
        timeoutMs: o.timeoutMs,
        signal: o.signal,
        readMaxBytes,
        accept: ACCEPT,
      });
      if (!call.settled) {
        const headers = { ...o.headers, ...fixed, "connect-timeout-ms": String(o.timeoutMs) };
        try {
          exchange.send(prefix + path, headers, body, call);
        } catch (e) {
          call.fail(e);
        }
      }
      try {
        return await answer;
      } catch (cause) {
        throw fromConnectError(cause);
      }
    },
    close() {
      exchange.close();
    },
  };
}
