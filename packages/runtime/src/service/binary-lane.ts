import { ERROR_REASON_HEADER } from "@ameide-ext/contract";
import {
  InvokeExtensionBatchRequestSchema,
  InvokeExtensionRequestSchema,
  InvokeExtensionResponseSchema,
  WasmExtensionRuntime,
} from "@ameide-ext/proto";
import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { ANSWER_COMPRESSION } from "./answer-compression.js";
import type { CallerAuthenticator } from "./caller-authenticator.js";
import type { Runtime } from "./create-runtime.js";
import { encodeBatchAnswer } from "./encode-batch-response.js";
import type { AnyRequest, AnyResponse } from "./probe-routes.js";
import { type CallContext, serveBatch, serveInvoke } from "./runtime-routes.js";

// Connect's binary unary calls of the runtime's two RPCs, served without Connect's per-request machinery.
//
// connect-node turns each request into a web Request first (a URL parsed, every header copied into a
// Headers, three AbortSignals, async iterables over the body): ~0.3 ms of the service's thread per call,
// as much as running a 500-line batch's guests takes half of. Those two RPCs, in Connect's binary
// encoding (what the SDK and every Connect client send by default), are read here straight from Node's
// request: the same checks (the body's size, the caller, the deadline), the same runtime calls
// (serveInvoke, serveBatch) and the same answers, byte for byte, errors included (a test sends the same
// requests to a server with the lane and one without). Anything else (JSON, gRPC, gRPC-Web, a
// compressed body, a GET, a body without Content-Length or over the limit, a malformed timeout) is
// Connect's, untouched: it answers those as it always did.

const ROUTES = {
  single: `/${WasmExtensionRuntime.typeName}/${WasmExtensionRuntime.method.invokeExtension.name}`,
  batch: `/${WasmExtensionRuntime.typeName}/${WasmExtensionRuntime.method.invokeExtensionBatch.name}`,
} as const;

/** The server's compressions by name (answer-compression.ts): the same settings as Connect's path. */
const compressors = new Map(ANSWER_COMPRESSION.map((c) => [c.name, c]));

/** How the lane reads and answers. */
export interface BinaryLaneOptions {
  runtime: Runtime;
  auth: CallerAuthenticator | undefined;
  /** Largest body of InvokeExtension, and of InvokeExtensionBatch, in bytes (as the Connect routes read them). */
  readMaxBytes: { single: number; batch: number };
  /** Answers at least this large are compressed for a caller that accepts gzip or brotli (as Connect's compressMinBytes). */
  compressMinBytes: number;
  viaSocket(req: AnyRequest): boolean;
}

/** A request header of Node's, as one string (repeated ones joined, as Headers joins them), or null. */
function headerOf(req: AnyRequest, name: string): string | null {
  const value = req.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Node's request headers as web Headers (pseudo-headers left out), for what reads them all. */
function headersOf(req: AnyRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

/**
 * Which RPC the lane serves this request as, and its body's declared length
 * (undefined when it comes chunked); undefined when Connect must have it:
 * anything but an identity-encoded `application/proto` POST to one of the
 * two paths, with a well-formed Connect-Timeout-Ms (or none) and a
 * Content-Length (or none) within the limit.
 */
function laneOf(
  req: AnyRequest,
  o: BinaryLaneOptions,
): { rpc: "single" | "batch"; length: number | undefined } | undefined {
  if (req.method !== "POST") return undefined;
  const rpc = req.url === ROUTES.batch ? "batch" : req.url === ROUTES.single ? "single" : undefined;
  if (rpc === undefined || req.headers["content-type"] !== "application/proto") return undefined;
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding !== "identity") return undefined;
  const timeout = headerOf(req, "connect-timeout-ms");
  if (timeout !== null && !/^\d{1,10}$/.test(timeout)) return undefined;
  const length = headerOf(req, "content-length");
  if (length === null) return { rpc, length: undefined };
  if (!/^\d{1,10}$/.test(length) || Number(length) > o.readMaxBytes[rpc]) return undefined;
  return { rpc, length: Number(length) };
}

/**
 * Reads a request's body, refused as Connect refuses it: more or fewer bytes
 * than its Content-Length promised (`invalid_argument`), or, sent chunked,
 * more than `readMaxBytes` (`resource_exhausted`, said as soon as it is over;
 * the rest is read and dropped).
 */
function readBody(req: AnyRequest, length: number | undefined, readMaxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      got += chunk.length;
      const over =
        length === undefined
          ? got > readMaxBytes &&
            new ConnectError(
              `message size is larger than configured readMaxBytes ${readMaxBytes}`,
              Code.ResourceExhausted,
            )
          : got > length &&
            new ConnectError(
              `protocol error: promised ${length} bytes, received ${got}`,
              Code.InvalidArgument,
            );
      if (!over) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      req.resume();
      reject(over);
    };
    req.on("data", onData);
    req.once("end", () => {
      if (length !== undefined && got < length)
        reject(
          new ConnectError(`protocol error: promised ${length} bytes, received ${got}`, Code.InvalidArgument),
        );
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, got));
    });
    req.once("error", reject);
    // Closed before its end (the caller went away): nothing to answer. A request also closes after its
    // end: no error is made then (a ConnectError's stack costs tens of microseconds).
    req.once("close", () => {
      if (!req.complete) reject(new ConnectError("the request closed before its body ended", Code.Canceled));
    });
  });
}

/**
 * Decodes a request body, as Connect's routes do: a body that is no valid
 * message is the caller's `invalid_argument/invalid_input`
 * (malformed-request.ts words Connect's answer the same way).
 */
function decode<D extends DescMessage>(schema: D, body: Uint8Array): MessageShape<D> {
  try {
    // Read through a plain Uint8Array view: its bytes fields (the inputs) are then subarrays of that
    // kind, not Buffers, and the engine's hot code (the JSON check, the copy into the guest) sees one
    // element kind, its outputs' (guest memory), instead of two.
    return fromBinary(schema, new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ConnectError(
      `the request body is not a valid ${schema.typeName} message: ${detail}`,
      Code.InvalidArgument,
      { [ERROR_REASON_HEADER]: "invalid_input" },
    );
  }
}

/** Runs the call the body asks for, to the bytes of its answer. */
async function answer(
  rpc: "single" | "batch",
  body: Uint8Array,
  call: CallContext,
  o: BinaryLaneOptions,
): Promise<Uint8Array> {
  if (rpc === "batch") {
    const req = decode(InvokeExtensionBatchRequestSchema, body);
    return encodeBatchAnswer(await serveBatch(o.runtime, o.auth, req, call));
  }
  const req = decode(InvokeExtensionRequestSchema, body);
  return toBinary(InvokeExtensionResponseSchema, await serveInvoke(o.runtime, o.auth, req, call));
}

/** The compression the caller accepts for an answer of `size` bytes, as Connect negotiates it (its first we have). */
function compressionFor(req: AnyRequest, size: number, o: BinaryLaneOptions): Compression | undefined {
  if (size < o.compressMinBytes) return undefined;
  for (const name of (headerOf(req, "accept-encoding") ?? "").split(",")) {
    const c = compressors.get(name.trim());
    if (c !== undefined) return c;
  }
  return undefined;
}

/** Writes a Connect unary error: its HTTP status, its metadata as headers, `{"code","message"}` as JSON. */
function writeError(res: AnyResponse, cause: unknown): void {
  const error =
    cause instanceof ConnectError
      ? cause
      : new ConnectError("internal error", Code.Internal, undefined, undefined, cause);
  const body = errorToJsonBytes(error, {});
  const headers: Record<string, string> = {};
  error.metadata.forEach((value, key) => {
    headers[key] = value;
  });
  headers["content-type"] = "application/json";
  headers["content-length"] = String(body.byteLength);
  res.writeHead(codeToHttpStatus(error.code), headers);
  res.end(body);
}

/**
 * Creates the binary lane: a function that serves `req` and returns true when
 * it is one of the lane's requests (see laneOf), false when Connect must.
 */
export function createBinaryLane(o: BinaryLaneOptions): (req: AnyRequest, res: AnyResponse) => boolean {
  return (req, res) => {
    const lane = laneOf(req, o);
    if (lane === undefined) return false;
    const timeout = headerOf(req, "connect-timeout-ms");
    // The caller's deadline runs from the request's arrival, as Connect's does: the time its body took to
    // come is no longer the call's (a slow body must not buy the call more time than the caller gave).
    const deadline = timeout === null ? undefined : Date.now() + Number(timeout);
    const call: CallContext = {
      header: (name) => headerOf(req, name),
      headers: () => headersOf(req),
      viaSocket: o.viaSocket(req),
      timeoutMs: undefined,
    };
    void readBody(req, lane.length, o.readMaxBytes[lane.rpc])
      .then((body) => {
        if (deadline !== undefined) call.timeoutMs = deadline - Date.now();
        return answer(lane.rpc, body, call, o);
      })
      .then(async (bytes) => {
        const compression = compressionFor(req, bytes.byteLength, o);
        const body = compression ? await compression.compress(bytes) : bytes;
        const headers: Record<string, string> = {
          "content-type": "application/proto",
          "content-length": String(body.byteLength),
        };
        if (compression) headers["content-encoding"] = compression.name;
        res.writeHead(200, headers);
        res.end(body);
      })
      .catch((cause: unknown) => {
        if (!res.headersSent && !res.destroyed) writeError(res, cause);
      })
      // Whatever writing the answer threw: the exchange is cut, never an unhandled rejection (it would end
      // the process).
      .catch(() => res.destroy());
    return true;
  };
}
