import http from "node:http";
import { FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import {
  InvokeExtensionBatchRequestSchema,
  InvokeExtensionRequestSchema,
  Outcome,
  WasmExtensionRuntime,
} from "@ameide-ext/proto";
import { createEngine } from "@ameide-ext/runtime";
import type { RuntimeClient } from "@ameide-ext/sdk";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient, type Transport } from "@connectrpc/connect";
import * as hdr from "hdr-histogram-js";
import { invoiceLines, priceLine } from "./invoice-line.js";
import type { ServiceBatchTime } from "./service-log.js";

/** Invoice lines per measured invoice. */
export const INVOICE_LINES = 500;
/** Goal: the 500-line batch over loopback, p50, in ms (issue #12 §4; the seed quotes ~2.5 s for 500 hops in-cluster). */
export const BATCH_P50_GOAL_MS = 2;

/**
 * The row's time outside the service's own (the differences of the p50s): the client's encoding and
 * decoding, HTTP, the network and the lane's reading and writing. When it is over the goal alone, no
 * engine work can meet the goal on this machine.
 */
export function outsideTheService(
  connectP50Us: number,
  rawP50Us: number | undefined,
  serviceMs: number,
): string {
  const outside = connectP50Us / 1000 - serviceMs;
  const raw =
    rawP50Us === undefined ? "" : `; of which the raw POST's ${(rawP50Us / 1000 - serviceMs).toFixed(2)} ms`;
  const left = BATCH_P50_GOAL_MS - outside;
  const goal =
    left > 0
      ? `the goal leaves the service ${left.toFixed(2)} ms`
      : `over the goal by ${(-left).toFixed(2)} ms without the service`;
  return `${outside.toFixed(2)} ms  (the batch row's p50 less the service's own${raw}: HTTP, network, the client's encoding and decoding; ${goal})`;
}

/** p50 and p95 of one way of pricing an invoice, in microseconds per invoice. */
export interface InvoiceLatency {
  p50Us: number;
  p95Us: number;
  samples: number;
}

/** The batch row of bench:service: one invoice priced in one InvokeExtensionBatch, and in 500 InvokeExtension calls. */
export interface BatchBenchResult {
  lines: number;
  /** Bytes of JSON of the invoice's lines, all together. */
  inputBytes: number;
  batch: InvoiceLatency;
  singleCalls: InvoiceLatency;
  /** The same lines run by the engine alone (engine.tryInline in a loop, the bench's process): the floor. */
  engineAlone?: InvoiceLatency;
  /**
   * Times the service routed the hook to the pool for a minute during the run (`inline_overrun` lines
   * with `routed: true` in its log): after one, a batch pays a worker round trip per line.
   */
  routedToPool?: number;
  /**
   * The service's own time per batch of the hook, every client's batches of the run (its log's
   * `invocation_batch` lines, see serviceBatchTime): without HTTP, decoding or encoding.
   */
  serviceTime?: ServiceBatchTime;
  /** How many times faster the batch is at p50. */
  speedupP50: number;
  /**
   * The same invoice through the SDK (when measureInvoiceBatch was given a
   * client): `invokeMany` (its outputs parsed from JSON, as every caller of it
   * gets them) and 500 `invoke` calls, sampled in the same loop.
   */
  sdk?: { batch: InvoiceLatency; singleCalls: InvoiceLatency };
  /**
   * The same batch as one HTTP/1.1 POST of its request, encoded once before the loop, whose answer is read
   * whole and not decoded (when measureInvoiceBatch was given `raw`): the network's and the service's
   * share, without a client's encoding and decoding.
   */
  raw?: InvoiceLatency;
}

/** Where {@link measureInvoiceBatch}'s raw row posts: the service's base URL and the caller's bearer token. */
export interface RawPostTarget {
  url: string;
  authorization: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** The context every pricing of the invoice runs under (one business operation: one correlation id). */
const INVOICE_CTX = {
  tenantId: "acme",
  userId: "u-1",
  actorType: "USER",
  correlationId: "invoice-1",
} as const;
/** Batches per client per turn of measureInvoiceBatch's loop (the first turn is the warm-up). */
const BLOCK = 20;

/**
 * Prices an invoice of {@link INVOICE_LINES} lines with the invoice-line hook
 * (`extensionId`), the same run, one client: as one InvokeExtensionBatch, and
 * as 500 InvokeExtension calls one after the other (what a chatty hook does).
 * Checks every answer against the rule in JavaScript first. Samples come in
 * turns, 20 batches then a round of single calls, for `timeMs` after a
 * warm-up turn. Given `sdk`, a client of the SDK to the same service, each
 * turn also prices the invoice 20 times with its invokeMany (after the raw
 * client's 20) and once with 500 of its invoke calls; given `raw`, 20 times
 * more as one raw HTTP POST whose answer is read but not decoded.
 */
export async function measureInvoiceBatch(
  transport: Transport,
  extensionId: string,
  timeMs = 4_000,
  sdk?: RuntimeClient,
  raw?: RawPostTarget,
): Promise<BatchBenchResult> {
  const client = createClient(WasmExtensionRuntime, transport);
  const lines = invoiceLines(INVOICE_LINES);
  const inputs = lines.map((l) => encoder.encode(JSON.stringify(l)));
  const ctx = INVOICE_CTX;
  const batchReq = create(InvokeExtensionBatchRequestSchema, {
    extensionId,
    version: "latest",
    ctx,
    inputsJson: inputs,
  });
  const singleReqs = inputs.map((inputJson) =>
    create(InvokeExtensionRequestSchema, { extensionId, version: "latest", ctx, inputJson }),
  );
  const first = await client.invokeExtensionBatch(batchReq);
  first.results.forEach((r, i) => {
    const expected = JSON.stringify(priceLine(lines[i] as (typeof lines)[number]));
    const got = decoder.decode(r.outputJson);
    if (r.outcome !== Outcome.OK || got !== expected)
      throw new Error(`line ${i}: the service answered ${got || r.errorCode}, the rule ${expected}`);
  });
  const singles = async () => {
    for (const req of singleReqs) {
      const r = await client.invokeExtension(req);
      if (r.outcome !== Outcome.OK) throw new Error(`a single call answered ${r.errorCode}`);
    }
  };
  const viaSdk = sdk && sdkWays(sdk, extensionId, inputs, lines);
  await viaSdk?.batch();
  const viaRaw = raw && rawBatch(raw, toBinary(InvokeExtensionBatchRequestSchema, batchReq));
  await viaRaw?.batch();
  const h = {
    batch: hdr.build(),
    single: hdr.build(),
    sdkBatch: hdr.build(),
    sdkSingle: hdr.build(),
    rawBatch: hdr.build(),
  };
  const timed = async (into: hdr.Histogram, record: boolean, run: () => Promise<void>) => {
    const t = performance.now();
    await run();
    if (record) into.recordValue(Math.round((performance.now() - t) * 1000));
  };
  const connectBatch = async () => {
    const res = await client.invokeExtensionBatch(batchReq);
    if (res.results.length !== INVOICE_LINES) throw new Error(`the batch answered ${res.results.length}`);
  };
  // Turns of BLOCK batches per client, back to back (a client's batches follow each other, as one
  // caller's would), then a round of 500 single calls per client: each takes as long as a hundred batches.
  const until = performance.now() + timeMs;
  for (let turn = 0; performance.now() < until || h.single.totalCount < 5; turn++) {
    for (let k = 0; k < BLOCK; k++) await timed(h.batch, turn > 0, connectBatch);
    if (viaSdk) for (let k = 0; k < BLOCK; k++) await timed(h.sdkBatch, turn > 0, viaSdk.batch);
    if (viaRaw) for (let k = 0; k < BLOCK; k++) await timed(h.rawBatch, turn > 0, viaRaw.batch);
    await timed(h.single, turn > 0, singles);
    if (viaSdk) await timed(h.sdkSingle, turn > 0, viaSdk.singles);
  }
  const summary = (x: hdr.Histogram): InvoiceLatency => {
    const s = { p50Us: x.getValueAtPercentile(50), p95Us: x.getValueAtPercentile(95), samples: x.totalCount };
    x.destroy();
    return s;
  };
  const batch = summary(h.batch);
  const singleCalls = summary(h.single);
  const sdkRows = { batch: summary(h.sdkBatch), singleCalls: summary(h.sdkSingle) };
  const rawRow = summary(h.rawBatch);
  viaRaw?.close();
  return {
    lines: INVOICE_LINES,
    inputBytes: inputs.reduce((n, b) => n + b.byteLength, 0),
    batch,
    singleCalls,
    speedupP50: singleCalls.p50Us / batch.p50Us,
    ...(viaSdk ? { sdk: sdkRows } : {}),
    ...(viaRaw ? { raw: rawRow } : {}),
  };
}

/**
 * The batch as one HTTP/1.1 POST over a keep-alive socket: `body`, the request encoded once, and the
 * answer read whole (its status and size checked), not decoded.
 */
function rawBatch(target: RawPostTarget, body: Uint8Array) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL("/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtensionBatch", target.url);
  const headers = {
    "content-type": "application/proto",
    "connect-protocol-version": "1",
    authorization: target.authorization,
    "content-length": String(body.byteLength),
  };
  const batch = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: "POST", agent, headers }, (res) => {
        let got = 0;
        res.on("data", (chunk: Buffer) => {
          got += chunk.length;
        });
        res.on("end", () =>
          res.statusCode === 200 && got > 0
            ? resolve()
            : reject(new Error(`the raw POST answered ${res.statusCode} with ${got} bytes`)),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  return { batch, close: () => agent.destroy() };
}

/** p50 and p95 of one extension's batches, back to back, through `transport` (the raw Connect client). */
export async function measureBatchesOf(
  transport: Transport,
  extensionId: string,
  timeMs: number,
): Promise<InvoiceLatency> {
  const client = createClient(WasmExtensionRuntime, transport);
  const req = create(InvokeExtensionBatchRequestSchema, {
    extensionId,
    version: "latest",
    ctx: INVOICE_CTX,
    inputsJson: invoiceLines(INVOICE_LINES).map((l) => encoder.encode(JSON.stringify(l))),
  });
  const h = hdr.build();
  const until = performance.now() + timeMs;
  for (let i = 0; performance.now() < until; i++) {
    const t = performance.now();
    const res = await client.invokeExtensionBatch(req);
    if (i >= BLOCK) h.recordValue(Math.round((performance.now() - t) * 1000));
    if (res.results.some((r) => r.outcome !== Outcome.OK))
      throw new Error(
        `a line of ${extensionId} answered ${res.results.find((r) => r.outcome !== Outcome.OK)?.errorCode}`,
      );
  }
  const s = { p50Us: h.getValueAtPercentile(50), p95Us: h.getValueAtPercentile(95), samples: h.totalCount };
  h.destroy();
  return s;
}

/**
 * The invoice through the SDK's client: one invokeMany (inputs given as their JSON bytes, outputs parsed
 * by the SDK and each checked here against the rule's total), and 500 invoke calls.
 */
function sdkWays(
  sdk: RuntimeClient,
  extensionId: string,
  inputs: readonly Uint8Array[],
  lines: ReturnType<typeof invoiceLines>,
) {
  const ctx = INVOICE_CTX;
  const expected = lines.map((l) => priceLine(l));
  return {
    async batch() {
      const res = await sdk.invokeMany<{ gross: number }>(extensionId, inputs, ctx);
      res.results.forEach((r, i) => {
        if (r.outcome !== "ok" || r.output.gross !== expected[i]?.gross)
          throw new Error(`line ${i}: the SDK read ${JSON.stringify(r)}`);
      });
    },
    async singles() {
      for (const input of inputs) {
        const r = await sdk.invoke({ extensionId, ctx, input });
        if (r.outcome !== "ok") throw new Error(`a single call through the SDK answered ${r.outcome}`);
      }
    },
  };
}

/** The engine alone running one invoice's lines, both ways, same run: p50 and p95 per invoice. */
export interface EngineFloors {
  /** `engine.tryInline` once per line, as the service ran a batch before its batch path. */
  perInput: InvoiceLatency;
  /** `engine.tryInlineBatch` in turns of the service's 100 µs slice, back to back: the service's batch path. */
  batchPath: InvoiceLatency;
}

/** The service's default inline slice (runtime.inline_slice_us), in µs: the fuel slice and the turns of the batch path. */
const INLINE_SLICE_US = 100;

/**
 * The floor of the batch row: `inputs` run by the engine alone on this
 * process's thread (no network, no service), once per line with
 * `engine.tryInline` and through `engine.tryInlineBatch`, rounds of each
 * alternating for `timeMs` after a warm-up, so both see the same machine;
 * p50 and p95 per round of all inputs.
 */
export async function measureEngineFloors(
  component: Uint8Array,
  inputs: readonly Uint8Array[],
  timeMs = 2_000,
): Promise<EngineFloors> {
  const engine = createEngine();
  try {
    const ext = await engine.load(component, { limits: { cpuMillis: 5, memoryMb: 16, timeoutMs: 50 } });
    const slice = INLINE_SLICE_US * (FUEL_PER_CPU_MILLI / 1000);
    const perInput = () => {
      for (const input of inputs) {
        const r = engine.tryInline(ext, { input }, slice);
        // A run may end past its 50 ms limit when the machine takes the thread away: it still ran.
        if (!("ran" in r)) throw new Error(`the engine did not run a line inline (${r.skipped})`);
      }
    };
    const batchPath = () => {
      for (let from = 0; from < inputs.length; ) {
        const run = engine.tryInlineBatch(ext, {
          inputs,
          from,
          fuelSlice: slice,
          sliceMs: INLINE_SLICE_US / 1000,
        });
        const last = run.attempts.at(-1);
        if (last && !("ran" in last))
          throw new Error(`the engine did not run a line inline (${run.stopped})`);
        from = run.next;
      }
    };
    const h = { perInput: hdr.build(), batchPath: hdr.build() };
    const until = performance.now() + timeMs;
    for (let i = 0; performance.now() < until; i++) {
      for (const [way, run] of [
        ["perInput", perInput],
        ["batchPath", batchPath],
      ] as const) {
        const t = performance.now();
        run();
        if (i >= 10) h[way].recordValue(Math.round((performance.now() - t) * 1000));
        // As in the service: the instance is cleaned between invoices, off the measured time.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const summary = (x: hdr.Histogram): InvoiceLatency => ({
      p50Us: x.getValueAtPercentile(50),
      p95Us: x.getValueAtPercentile(95),
      samples: x.totalCount,
    });
    const floors = { perInput: summary(h.perInput), batchPath: summary(h.batchPath) };
    h.perInput.destroy();
    h.batchPath.destroy();
    return floors;
  } finally {
    await engine.close();
  }
}

/**
 * The floor of the batch row: the same {@link INVOICE_LINES} lines run by
 * the engine alone, `engine.tryInline` one after the other on this process's
 * thread (no network, no service), for `timeMs` after a warm-up; p50 and p95
 * per invoice. ({@link measureEngineFloors} measures the batch path beside it.)
 */
export async function measureEngineInvoiceFloor(
  component: Uint8Array,
  timeMs = 2_000,
): Promise<InvoiceLatency> {
  const inputs = invoiceLines(INVOICE_LINES).map((l) => encoder.encode(JSON.stringify(l)));
  return (await measureEngineFloors(component, inputs, timeMs)).perInput;
}
