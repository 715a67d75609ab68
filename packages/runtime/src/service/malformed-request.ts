import { ERROR_REASON_HEADER } from "@ameide-ext/contract";
import type { DescMessage } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";

// Connect-es decodes a binary request body before any route code runs, and answers a body that is not a
// valid message `internal` ("parse binary: …", HTTP 500) with no way to map it. That is the caller's
// fault: it is `invalid_argument/invalid_input`, as a bad JSON body already is.
//
// A JSON body with a field the message does not have is refused too (the router reads JSON with
// `ignoreUnknownFields: false`): the answer names the field and the fields the message has, so a caller
// who wrote `"input": {…}` learns that the field is `inputJson`, base64 bytes.

/** The message connect-es gives a binary body it cannot decode. */
const PARSE_ERROR = "parse binary:";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

/** How protobuf-es words a JSON key the message does not have. */
const UNKNOWN_KEY = /^cannot decode message (\S+) from JSON: key "([^"]*)" is unknown/;

/** The message type named `typeName` among `root` and the message types of its fields, depth first. */
function findMessage(root: DescMessage, typeName: string, seen = new Set<string>()): DescMessage | undefined {
  if (root.typeName === typeName) return root;
  seen.add(root.typeName);
  for (const f of root.fields) {
    const child = f.message;
    if (child === undefined || seen.has(child.typeName)) continue;
    const found = findMessage(child, typeName, seen);
    if (found) return found;
  }
  return undefined;
}

/** One field as a caller writes it in JSON: its name, and for bytes how they are written. */
function describeField(f: DescMessage["fields"][number]): string {
  return f.fieldKind === "scalar" && f.scalar === 12 ? `${f.jsonName} (bytes, base64)` : f.jsonName;
}

/**
 * The sentence for an unknown JSON key: the key, the field it most likely meant (a field whose JSON name
 * starts with the key, as `inputJson` for `input`), and every field of the message. Undefined when
 * `message` is not protobuf-es's unknown-key error.
 */
export function unknownFieldMessage(input: DescMessage, message: string): string | undefined {
  const m = UNKNOWN_KEY.exec(message.replace(/^\[[a-z_]+\] /, ""));
  if (!m) return undefined;
  const [, typeName = "", key = ""] = m;
  const desc = findMessage(input, typeName);
  if (desc === undefined) return undefined;
  const lower = key.toLowerCase();
  const meant = desc.fields.find(
    (f) => f.jsonName.toLowerCase().startsWith(lower) || lower.startsWith(f.jsonName.toLowerCase()),
  );
  const hint =
    meant === undefined
      ? ""
      : ` (did you mean ${describeField(meant)}${meant.fieldKind === "scalar" && meant.scalar === 12 ? ", e.g. the UTF-8 JSON document base64-encoded" : ""}?)`;
  return `${typeName} has no field ${JSON.stringify(key)}${hint}; its fields are ${desc.fields.map(describeField).join(", ")}`;
}

function invalidMessage(h: UniversalHandler, detail: string): string {
  return `the request body is not a valid ${h.method.input.typeName} message: ${detail.slice(PARSE_ERROR.length).trim()}`;
}

/**
 * Connect unary: an HTTP 500 JSON error with the parse message becomes HTTP 400 `invalid_argument`, and an
 * unknown JSON key's `invalid_argument` names the field meant; both with the reason `invalid_input`.
 */
async function remapConnect(
  h: UniversalHandler,
  res: UniversalServerResponse,
): Promise<UniversalServerResponse> {
  if (
    (res.status !== 500 && res.status !== 400) ||
    res.body === undefined ||
    !res.header?.get("content-type")?.includes("json")
  )
    return res;
  const bytes = await readAll(res.body);
  let error: { code?: unknown; message?: unknown } = {};
  try {
    error = JSON.parse(decoder.decode(bytes)) as typeof error;
  } catch {
    // not an error body: handed back as it was
  }
  const unknown =
    error.code === "invalid_argument" && typeof error.message === "string"
      ? unknownFieldMessage(h.method.input, error.message)
      : undefined;
  const parse =
    error.code === "internal" && typeof error.message === "string" && error.message.startsWith(PARSE_ERROR)
      ? invalidMessage(h, error.message)
      : undefined;
  const message = unknown ?? parse;
  if (message === undefined)
    return {
      ...res,
      body: (async function* () {
        yield bytes;
      })(),
    };
  const body = encoder.encode(JSON.stringify({ code: "invalid_argument", message }));
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
