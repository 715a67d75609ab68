/**
 * What tracing costs an invocation: the same catalog served twice, by a
 * runtime process with tracing off (no OTEL_* variable) and by one exporting
 * its spans to an OTLP/HTTP receiver in this process (OTEL_EXPORTER_OTLP_ENDPOINT,
 * the default sampler: parentbased_always_on, so every root invocation is
 * sampled), one client each, calls interleaved so both see the same machine.
 */
import { InvokeExtensionRequestSchema, Outcome, WasmExtensionRuntime } from "@ameide-ext/proto";
import { startOtlpReceiver } from "@ameide-ext/runtime/testing/otlp";
import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as hdr from "hdr-histogram-js";
import { DEAL_INPUT } from "./deal-approval.js";
import { startServer } from "./service-harness.js";

/** Goal: what tracing on (default sampler, spans exported) adds to an invocation at p50, in ms (#15). */
export const TRACING_P50_GOAL_MS = 0.02;

/** One side of the comparison. */
export interface TracingSide {
  p50Us: number;
  p99Us: number;
  samples: number;
}

/** What {@link measureTracing} returns. */
export interface TracingBenchResult {
  off: TracingSide;
  on: TracingSide;
  /** on p50 - off p50, in ms. */
  deltaP50Ms: number;
  /** Spans the receiver decoded by the end of the run (the traced server's invocation spans). */
  spansExported: number;
  sampler: string;
}

const SAMPLES = 4_000;
const WARMUP = 1_000;

/**
 * Starts the traced server (catalog `catalogPath`, log `logFile`) next to the
 * untraced one at `offUrl`, and measures InvokeExtension of `extensionId` on
 * both, Connect binary over HTTP/1.1, interleaved.
 */
export async function measureTracing(
  offUrl: string,
  catalogPath: string,
  logFile: string,
  extensionId: string,
  bearer: string,
): Promise<TracingBenchResult> {
  const receiver = await startOtlpReceiver();
  const traced = await startServer(catalogPath, logFile, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_TRACES_SAMPLER: "",
    OTEL_TRACES_EXPORTER: "",
    OTEL_SDK_DISABLED: "",
  });
  let stopped = false;
  try {
    const withToken: Interceptor = (next) => (req) => {
      req.header.set("authorization", bearer);
      return next(req);
    };
    const client = (baseUrl: string) =>
      createClient(
        WasmExtensionRuntime,
        createConnectTransport({
          baseUrl,
          httpVersion: "1.1",
          useBinaryFormat: true,
          interceptors: [withToken],
        }),
      );
    const off = client(offUrl);
    const on = client(traced.url);
    const req = create(InvokeExtensionRequestSchema, {
      extensionId,
      version: "latest",
      ctx: { tenantId: "acme", userId: "u-1", actorType: "USER" },
      inputJson: new TextEncoder().encode(DEAL_INPUT),
    });
    for (const c of [off, on]) {
      const r = await c.invokeExtension(req);
      if (r.outcome !== Outcome.OK) throw new Error(`the service answered ${r.errorCode}/${r.errorReason}`);
    }
    const h = { off: hdr.build(), on: hdr.build() };
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      // Alternate which goes first, so neither always follows the other's GC or export.
      const order = i % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
      for (const side of order) {
        const t = performance.now();
        await (side === "off" ? off : on).invokeExtension(req);
        if (i >= WARMUP) h[side].recordValue(Math.round((performance.now() - t) * 1000));
      }
    }
    const summary = (x: hdr.Histogram): TracingSide => ({
      p50Us: x.getValueAtPercentile(50),
      p99Us: x.getValueAtPercentile(99),
      samples: x.totalCount,
    });
    const result = { off: summary(h.off), on: summary(h.on) };
    h.off.destroy();
    h.on.destroy();
    stopped = true;
    await traced.stop(); // exports what is still buffered
    return {
      ...result,
      deltaP50Ms: (result.on.p50Us - result.off.p50Us) / 1000,
      spansExported: receiver.spans.length,
      sampler: "parentbased_always_on (the default), every invocation a root span",
    };
  } finally {
    if (!stopped) await traced.stop();
    await receiver.close();
  }
}
