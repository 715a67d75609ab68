/**
 * `npm run bench:batch`: the batch row of bench:service alone, for work on
 * it (issue #12 §4). A 500-line invoice priced by the invoice-line hook (low
 * tier), over Connect binary HTTP/1.1 against the runtime service in a child
 * process: one InvokeExtensionBatch against 500 InvokeExtension calls, same
 * run, with a raw Connect client (connect-node, any Connect client's cost) and
 * with the SDK (invokeMany and invoke, outputs parsed) and as a raw HTTP POST
 * (the request encoded once, the answer read but not decoded: the network's
 * and the service's share), then the engine alone in this process (the
 * floor). Prints p50/p95 of each and the goal, judged on the Connect client's
 * batch. BATCH_TIME_MS sets how long the batch row samples (default 6000);
 * BATCH_SDK=0 leaves the SDK's and the raw rows out (the loop of older
 * commits, for an A/B against them); SERVICE_CPU_PROF=<dir> profiles the
 * server (see service-harness.ts).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { watComponent } from "@ameide-ext/runtime/testing";
import { createRuntimeClient } from "@ameide-ext/sdk";
import type { Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { prepareInvoiceService } from "./invoice-catalog.js";
import { invoiceLines } from "./invoice-line.js";
import {
  BATCH_P50_GOAL_MS,
  INVOICE_LINES,
  measureEngineFloors,
  measureInvoiceBatch,
  outsideTheService,
} from "./measure-batch.js";
import { startServer } from "./service-harness.js";
import { countRoutings, serviceBatchTime } from "./service-log.js";

/** A guest that answers `{}` at once, with the invoice-line hook's one 64 KiB page: the engine's own cost per line. */
const TRIVIAL_GUEST = `(module
  (import "ameide:extension/host@1.0.0" "log" (func $log (param i32 i32 i32 i32)))
  (import "ameide:extension/host@1.0.0" "call" (func $call (param i32 i32 i32 i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "{}")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
  (func (export "cabi_post_run") (param i32))
  (func (export "run") (param i32 i32) (result i32)
    (i32.store8 (i32.const 16) (i32.const 0))
    (i32.store (i32.const 20) (i32.const 1024))
    (i32.store (i32.const 24) (i32.const 2))
    (i32.const 16)))`;

/** The engine's goals per line on the batch path (issue #12, engine slice). */
const ENGINE_GOAL_US_PER_LINE = { invoice: 3.5, trivial: 1.5 } as const;

const log = (line: string) => process.stderr.write(`bench:batch: ${line}\n`);
const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ameide-batch-bench-"));
  try {
    log("building the invoice-line hook");
    const prepared = await prepareInvoiceService(dir, "bench-batch");
    const bearer = `Bearer ${prepared.token}`;
    const withToken: Interceptor = (next) => (req) => {
      req.header.set("authorization", bearer);
      return next(req);
    };
    const server = await startServer(prepared.catalog, join(dir, "runtime.log"));
    let batch: Awaited<ReturnType<typeof measureInvoiceBatch>>;
    try {
      log(`server ${server.url}; sampling`);
      const transport = createConnectTransport({
        baseUrl: server.url,
        httpVersion: "1.1",
        useBinaryFormat: true,
        interceptors: [withToken],
      });
      const sdk = createRuntimeClient({
        baseUrl: server.url,
        httpVersion: "1.1",
        token: () => bearer.slice("Bearer ".length),
        // The 500 single calls are the chatty way on purpose: the SDK's warning is expected, once.
        chattiness: {
          onChatty: (e) =>
            log(`the SDK warned, as it should: ${e.extensionId} called ${e.calls} times in one operation`),
        },
      });
      try {
        batch = await measureInvoiceBatch(
          transport,
          "invoice-line",
          Number(process.env.BATCH_TIME_MS ?? 6_000),
          process.env.BATCH_SDK === "0" ? undefined : sdk,
          process.env.BATCH_SDK === "0" ? undefined : { url: server.url, authorization: bearer },
        );
      } finally {
        sdk.close();
      }
    } finally {
      await server.stop();
    }
    // The service's log is flushed on stop: each routing to the pool makes every batch after it (for a
    // minute) pay a worker round trip per line, so a run with one is not the inline figure.
    const serviceLog = await readFile(join(dir, "runtime.log"), "utf8").catch(() => "");
    const routed = countRoutings(serviceLog, "acme/invoice-line/1");
    const service = serviceBatchTime(serviceLog, "invoice-line");
    log("the engine alone, in this process: the invoice-line hook, then a trivial guest");
    const encoder = new TextEncoder();
    const invoice = invoiceLines(INVOICE_LINES).map((l) => encoder.encode(JSON.stringify(l)));
    const floor = await measureEngineFloors(prepared.component, invoice);
    const trivial = await measureEngineFloors(await watComponent(TRIVIAL_GUEST), invoice);
    const perLine = (us: number) => `${(us / INVOICE_LINES).toFixed(2)} µs/line`;
    const row = (label: string, x: { p50Us: number; p95Us: number; samples: number }, goalUs?: number) =>
      `  ${label.padEnd(50)} ${ms(x.p50Us)} / ${ms(x.p95Us)}  (${perLine(x.p50Us)} p50${goalUs === undefined ? "" : `, goal ≤ ${goalUs} µs/line`}; ${x.samples} invoices)`;
    const lines = [
      `${batch.lines}-line invoice (${batch.inputBytes} B of JSON), p50 / p95, same run:`,
      `  one InvokeExtensionBatch   ${ms(batch.batch.p50Us)} / ${ms(batch.batch.p95Us)}  (${batch.batch.samples} invoices; connect-node client, HTTP/1.1)`,
      `  ${batch.lines} InvokeExtension calls  ${ms(batch.singleCalls.p50Us)} / ${ms(batch.singleCalls.p95Us)}  (${batch.singleCalls.samples} invoices)`,
      ...(batch.sdk
        ? [
            `  the SDK's invokeMany       ${ms(batch.sdk.batch.p50Us)} / ${ms(batch.sdk.batch.p95Us)}  (${batch.sdk.batch.samples} invoices; HTTP/1.1, the 500 outputs parsed)`,
            `  ${batch.lines} SDK invoke calls     ${ms(batch.sdk.singleCalls.p50Us)} / ${ms(batch.sdk.singleCalls.p95Us)}  (${batch.sdk.singleCalls.samples} invoices)`,
          ]
        : []),
      ...(batch.raw
        ? [
            `  one raw HTTP POST          ${ms(batch.raw.p50Us)} / ${ms(batch.raw.p95Us)}  (${batch.raw.samples} invoices; the request encoded once, the answer read, not decoded: network and service alone)`,
          ]
        : []),
      `  the service's own time     ${service.p50Ms.toFixed(2)} ms  (p50 of its log's latency_ms, the ${service.batches} batches of every client: resolve, breakers and runs; no HTTP, decoding or encoding)`,
      `  outside the service        ${outsideTheService(batch.batch.p50Us, batch.raw?.p50Us, service.p50Ms)}`,
      row("engine alone (tryInline per input)", floor.perInput),
      row("engine alone (batch path)", floor.batchPath, ENGINE_GOAL_US_PER_LINE.invoice),
      row("trivial guest, engine alone (tryInline per input)", trivial.perInput),
      row("trivial guest, engine alone (batch path)", trivial.batchPath, ENGINE_GOAL_US_PER_LINE.trivial),
      `  the hook was sent to the pool for a minute ${routed} time(s) in the run (inline_overrun, routed: true)`,
      `${batch.batch.p50Us / 1000 <= BATCH_P50_GOAL_MS ? "PASS" : "MISS"}  batch p50 ${ms(batch.batch.p50Us)} (goal ≤ ${BATCH_P50_GOAL_MS} ms; connect-node client)`,
      ...(batch.sdk
        ? [
            `${batch.sdk.batch.p50Us / 1000 <= BATCH_P50_GOAL_MS ? "PASS" : "MISS"}  batch p50 ${ms(batch.sdk.batch.p50Us)} (goal ≤ ${BATCH_P50_GOAL_MS} ms; the SDK's invokeMany, outputs parsed)`,
          ]
        : []),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
