import { ERROR_REASON_HEADER } from "@ameide-ext/contract";
import type { ConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";

// Connect-es decodes a binary request body before any route code runs, and answers a body that is not a
// valid message `internal` ("parse binary: …", HTTP 500) with no way to map it. That is the caller's
// fault: it is `invalid_argument/invalid_input`, as a bad JSON body already is.

/** The message connect-es gives a binary body it cannot decode. */
const PARSE_ERROR = "parse binary:";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

function invalidMessage(h: UniversalHandler, detail: string): string {
  return `the request body is not a valid ${h.method.input.typeName} message: ${detail.slice(PARSE_ERROR.length).trim()}`;
}

/** Connect unary: an HTTP 500 JSON error with the parse message becomes HTTP 400 `invalid_argument`. */
async function remapConnect(
  h: UniversalHandler,
  res: UniversalServerResponse,
): Promise<UniversalServerResponse> {
  if (res.status !== 500 || res.body === undefined || !res.header?.get("content-type")?.includes("json"))
    return res;
  const bytes = await readAll(res.body);
  let error: { code?: unknown; message?: unknown } = {};
  try {
    error = JSON.parse(decoder.decode(bytes)) as typeof error;
  } catch {
    // not an error body: handed back as it was
  }
  if (
    error.code !== "internal" ||
    typeof error.message !== "string" ||
    !error.message.startsWith(PARSE_ERROR)
  )
    return {
      ...res,
      body: (async function* () {
        yield bytes;
      })(),
    };
  const body = encoder.encode(
    JSON.stringify({ code: "invalid_argument", message: invalidMessage(h, error.message) }),
  );
  const header = new Headers(res.header);
  header.set("content-length", String(body.byteLength));
  header.set(ERROR_REASON_HEADER, "invalid_input");
  return {
    ...res,
    status: 400,
    header,
    body: (async function* () {
      yield body;
    })(),
  };
}

/** gRPC: the status is in the trailers, already set when the handler resolves (it waits for the first output). */
function remapGrpc(h: UniversalHandler, res: UniversalServerResponse): UniversalServerResponse {
  if (res.trailer) remapTrailer(h, res.trailer);
  return res;
}

/** Rewrites a gRPC status 13 parse error in `t`, in place; false when `t` holds another status. */
function remapTrailer(h: UniversalHandler, t: Headers): boolean {
  if (t.get("grpc-status") !== "13") return false;
  const message = decodeURIComponent(t.get("grpc-message") ?? "");
  if (!message.startsWith(PARSE_ERROR)) return false;
  t.set("grpc-status", "3"); // INVALID_ARGUMENT
  t.set("grpc-message", encodeURIComponent(invalidMessage(h, message)));
  t.set(ERROR_REASON_HEADER, "invalid_input");
  return true;
}

/**
 * gRPC-Web: the status is a trailer frame in the body. A parse error answers that frame alone, so only a
 * body that is one uncompressed trailer frame is read and rewritten; any other is handed on as it came.
 */
async function remapGrpcWeb(
  h: UniversalHandler,
  res: UniversalServerResponse,
): Promise<UniversalServerResponse> {
  if (res.body === undefined || !res.header?.get("content-type")?.startsWith("application/grpc-web"))
    return res;
  const it = res.body[Symbol.asyncIterator]();
  const first = await it.next();
  const chunk = first.done ? undefined : first.value;
  const rest = async function* () {
    if (chunk) yield chunk;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  };
  if (chunk === undefined || chunk.byteLength < 5 || chunk[0] !== trailerFlag)
    return { ...res, body: rest() };
  const length = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(1);
  if (chunk.byteLength !== 5 + length) return { ...res, body: rest() };
  const trailer = trailerParse(chunk.subarray(5));
  if (!remapTrailer(h, trailer)) return { ...res, body: rest() };
  const data = trailerSerialize(trailer);
  const frame = new Uint8Array(5 + data.byteLength);
  frame[0] = trailerFlag;
  new DataView(frame.buffer).setUint32(1, data.byteLength);
  frame.set(data, 5);
  return {
    ...res,
    body: (async function* () {
      yield frame;
    })(),
  };
}

/**
 * Makes every handler of `router` answer a binary request body that does not
 * decode `invalid_argument` with the reason `invalid_input` (in the
 * `ameide-error-reason` header or trailer), over Connect, gRPC and gRPC-Web,
 * instead of `internal`. Call it once all routes are registered.
 */
export function answerMalformedAsInvalid(router: ConnectRouter): void {
  router.handlers.forEach((h, i) => {
    const wrapped = async (req: Parameters<UniversalHandler>[0]) => {
      const res = await h(req);
      return remapGrpcWeb(h, remapGrpc(h, await remapConnect(h, res)));
    };
    router.handlers[i] = Object.assign(wrapped, {
      protocolNames: h.protocolNames,
      service: h.service,
      method: h.method,
      requestPath: h.requestPath,
      allowedMethods: h.allowedMethods,
      supportedContentType: h.supportedContentType,
    });
  });
}
