import type {
  ExecutionContext,
  InvokeExtensionBatchRequest,
  InvokeExtensionRequest,
} from "@ameide-ext/proto";

/**
 * The protobuf binary encoding of the runtime's two requests, by hand: the
 * bytes `toBinary` writes (a test compares them), without its per-field
 * reflection over a batch's 500 inputs. Fields in field-number order, proto3
 * defaults (empty strings and bytes) left out, but a batch's inputs, each
 * written even when empty (a repeated field's elements), and `ctx`, written
 * whenever set. The two requests share their layout: field 4 is the input,
 * or each input.
 */
export function encodeBatchRequest(req: InvokeExtensionBatchRequest): Uint8Array {
  return encodeRequest(req, req.inputsJson);
}

/** The bytes `toBinary(InvokeExtensionRequestSchema, req)` writes. */
export function encodeInvokeRequest(req: InvokeExtensionRequest): Uint8Array {
  return encodeRequest(req, req.inputJson.length === 0 ? [] : [req.inputJson]);
}

function encodeRequest(
  req: Pick<InvokeExtensionRequest, "extensionId" | "version" | "ctx" | "consumerRef">,
  inputs: readonly Uint8Array[],
): Uint8Array {
  const ctx = req.ctx === undefined ? undefined : contextFields(req.ctx);
  const ctxSize = ctx === undefined ? 0 : stringsSize(ctx);
  const head = [req.extensionId, req.version];
  let size = stringsSize(head) + stringsSize([req.consumerRef]);
  if (ctx !== undefined) size += 1 + varintSize(ctxSize) + ctxSize;
  for (const input of inputs) size += 1 + varintSize(input.length) + input.length;
  const out = { buf: Buffer.allocUnsafe(size), pos: 0 };
  writeStrings(out, head, 1);
  if (ctx !== undefined) {
    out.buf[out.pos++] = (3 << 3) | 2;
    writeVarint(out, ctxSize);
    writeStrings(out, ctx, 1);
  }
  for (const input of inputs) {
    out.buf[out.pos++] = (4 << 3) | 2;
    writeVarint(out, input.length);
    out.buf.set(input, out.pos);
    out.pos += input.length;
  }
  writeStrings(out, [req.consumerRef], 5);
  return out.buf;
}

/** The context's strings by field number (1…8). */
function contextFields(c: ExecutionContext): string[] {
  return [c.tenantId, c.orgId, c.userId, c.actorType, c.sessionId, c.correlationId, c.env, c.riskTier];
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n >>>= 7;
    size++;
  }
  return size;
}

/** Bytes of `strings` as fields (tag, length, UTF-8), the empty ones left out. Tags are one byte (fields < 16). */
function stringsSize(strings: readonly string[]): number {
  let size = 0;
  for (const s of strings) {
    if (s === "") continue;
    const n = Buffer.byteLength(s, "utf8");
    size += 1 + varintSize(n) + n;
  }
  return size;
}

interface Out {
  buf: Buffer;
  pos: number;
}

function writeVarint(out: Out, n: number): void {
  while (n >= 0x80) {
    out.buf[out.pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out.buf[out.pos++] = n;
}

/** Writes `strings` as fields numbered from `firstField`, the empty ones left out. */
function writeStrings(out: Out, strings: readonly string[], firstField: number): void {
  strings.forEach((s, i) => {
    if (s === "") return;
    out.buf[out.pos++] = ((firstField + i) << 3) | 2;
    writeVarint(out, Buffer.byteLength(s, "utf8"));
    out.pos += out.buf.write(s, out.pos, "utf8");
  });
}
