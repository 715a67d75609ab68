// One Connect unary call in flight, whichever HTTP version carries it: its
// deadline, the caller's signal, the answer's head checked as connect's
// transport checks it, and the body gathered under a cap.
import type { IncomingHttpHeaders } from "node:http";
import { appendHeaders, Code, ConnectError } from "@connectrpc/connect";
import { type Compression, getAbortSignalReason } from "@connectrpc/connect/protocol";
import {
  contentTypeUnaryProto,
  errorFromJsonBytes,
  trailerDemux,
  validateResponseWithCompression,
} from "@connectrpc/connect/protocol-connect";
import { connectErrorFromReason } from "./node-reason.js";

/** What an exchange (HTTP/1.1 or HTTP/2) reports to, and how the call cuts it. */
export interface PendingCall {
  /** The answer's status and headers arrived; refuses them (fails the call) as connect's validateResponse does. */
  head(status: number, headers: IncomingHttpHeaders): void;
  /** A piece of the body; fails the call with `ResourceExhausted` past the cap. */
  chunk(data: Uint8Array): void;
  /** The body ended: settles the call. */
  end(): void;
  /** Fails the call (a socket error, a reset…), once; later reports are ignored. */
  fail(reason: unknown): void;
  /** Sets how the request is cut when the call fails first (destroy it, reset the stream). */
  onCut(cut: (err: ConnectError) => void): void;
  /** Whether the call is already settled. */
  readonly settled: boolean;
}

/** The answer's head, once checked: how to decompress its body, and whether it is an error to read from JSON. */
interface Head {
  compression: Compression | undefined;
  unaryError: ConnectError | undefined;
  metadata: Headers | undefined;
}

/** Node's header object as web Headers, without HTTP/2 pseudo-headers (what connect's validateResponse reads). */
function webHeaders(headers: IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) h.append(key, v);
    else h.append(key, value);
  }
  return h;
}

/** Checks an answer's head; the common one (200, application/proto, not compressed) without building Headers. */
function checkHead(status: number, headers: IncomingHttpHeaders, accept: Compression[]): Head {
  const encoding = headers["content-encoding"];
  if (status === 200 && headers["content-type"] === contentTypeUnaryProto && encoding === undefined)
    return { compression: undefined, unaryError: undefined, metadata: undefined };
  const web = webHeaders(headers);
  const checked = validateResponseWithCompression("unary", accept, true, status, web);
  const [header, trailer] = trailerDemux(web);
  return {
    compression: checked.compression,
    unaryError: checked.isUnaryError ? checked.unaryError : undefined,
    metadata: appendHeaders(header, trailer),
  };
}

/** A positive content-length, if the answer gave one. */
function lengthHint(headers: IncomingHttpHeaders): number | undefined {
  const text = headers["content-length"];
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Options of one call: its deadline, the caller's signal, the cap and the encodings accepted. */
export interface PendingCallOptions {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  readMaxBytes: number;
  accept: Compression[];
}

/** Creates the state of one call and the promise of its body's bytes (or a ConnectError). */
export function createPendingCall(o: PendingCallOptions): { call: PendingCall; answer: Promise<Uint8Array> } {
  let settled = false;
  let cut: ((err: ConnectError) => void) | undefined;
  let head: Head | undefined;
  let hint: number | undefined;
  let size = 0;
  const chunks: Uint8Array[] = [];
  let resolve!: (bytes: Uint8Array) => void;
  let reject!: (err: ConnectError) => void;
  const answer = new Promise<Uint8Array>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const onAbort = () => call.fail(ConnectError.from(getAbortSignalReason(o.signal as AbortSignal)));
  const timer = setTimeout(
    () => call.fail(new ConnectError("the operation timed out", Code.DeadlineExceeded)),
    o.timeoutMs,
  );
  const finish = () => {
    settled = true;
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", onAbort);
  };
  const tooBig = (bytes: number, known: boolean) =>
    new ConnectError(
      known
        ? `message size ${bytes} is larger than configured readMaxBytes ${o.readMaxBytes}`
        : `message size is larger than configured readMaxBytes ${o.readMaxBytes}`,
      Code.ResourceExhausted,
    );

  const call: PendingCall = {
    get settled() {
      return settled;
    },
    onCut(f) {
      cut = f;
    },
    head(status, headers) {
      if (settled) return;
      try {
        head = checkHead(status, headers, o.accept);
        hint = lengthHint(headers);
        if (hint !== undefined && hint > o.readMaxBytes) throw tooBig(hint, true);
      } catch (e) {
        call.fail(e);
      }
    },
    chunk(data) {
      if (settled) return;
      size += data.byteLength;
      if (size > o.readMaxBytes) return call.fail(tooBig(size, false));
      if (hint !== undefined && size > hint)
        return call.fail(
          new ConnectError(`protocol error: promised ${hint} bytes, received ${size}`, Code.InvalidArgument),
        );
      chunks.push(data);
    },
    end() {
      if (settled) return;
      if (head === undefined)
        return call.fail(new ConnectError("the connection closed before the answer's headers", Code.Aborted));
      if (hint !== undefined && size < hint)
        return call.fail(
          new ConnectError(`protocol error: promised ${hint} bytes, received ${size}`, Code.InvalidArgument),
        );
      finish();
      const joined = chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, size);
      const body = new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
      void readBody(head, body, o.readMaxBytes).then(resolve, (e) => reject(connectErrorFromReason(e)));
    },
    fail(reason) {
      if (settled) return;
      finish();
      const err = connectErrorFromReason(reason);
      try {
        cut?.(err);
      } finally {
        reject(err);
      }
    },
  };
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort);
  return { call, answer };
}

/** The body of a checked answer: decompressed, and an error answer thrown as its Connect JSON error. */
async function readBody(head: Head, body: Uint8Array, readMaxBytes: number): Promise<Uint8Array> {
  const bytes = head.compression
    ? new Uint8Array(await head.compression.decompress(body, readMaxBytes))
    : body;
  if (head.unaryError) throw errorFromJsonBytes(bytes, head.metadata as Headers, head.unaryError);
  return bytes;
}
