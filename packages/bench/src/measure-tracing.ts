/**
 * What tracing costs an invocation: the same catalog served twice, by a
 * runtime process with tracing off (no OTEL_* variable) and by one exporting
 * its spans to an OTLP/HTTP receiver in this process (OTEL_EXPORTER_OTLP_ENDPOINT,
 * the default sampler: parentbased_always_on, so every root invocation is
 * sampled), one client each, calls interleaved so both see the same machine;
 * then the same two in this process, without the network (measureInProcess).
 */
import { InvokeExtensionRequestSchema, Outcome, WasmExtensionRuntime } from "@ameide-ext/proto";
import { type Catalog, createRuntime, loadRuntimeConfig, startTracing } from "@ameide-ext/runtime";
import { type OtlpReceiver, startOtlpReceiver } from "@ameide-ext/runtime/testing/otlp";
import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as hdr from "hdr-histogram-js";
import { pino } from "pino";
import { DEAL_INPUT } from "./deal-approval.js";
import { startServer } from "./service-harness.js";

/** Goal: what tracing on (default sampler, spans exported) adds to an invocation at p50, in ms (#15). */
export const TRACING_P50_GOAL_MS = 0.02;

/** One side of the comparison. */
export interface TracingSide {
  p50Us: number;
  p99Us: number;
  samples: number;
  /**
   * The server process's CPU time (user + system, from its /metrics) per
   * measured call, in µs: unlike wall time, hardly moved by other work on
   * the machine. The traced side's includes encoding and sending its spans.
   */
  cpuPerCallUs: number;
}

/** What {@link measureTracing} returns. */
export interface TracingBenchResult {
  off: TracingSide;
  on: TracingSide;
  /** on p50 - off p50, in ms. */
  deltaP50Ms: number;
  /** on - off server CPU time per call, in µs (see {@link TracingSide.cpuPerCallUs}). */
  deltaCpuPerCallUs: number;
  /** Spans the receiver decoded by the end of the run (the traced server's invocation spans). */
  spansExported: number;
  sampler: string;
  /**
   * The same comparison without the network and a second process: two
   * runtimes in this process (createRuntime, one given the tracer), their
   * invokeExtension called in alternating blocks, this thread's CPU time per
   * call. What tracing costs the runtime itself, free of the loopback's and
   * the scheduler's noise.
   */
  inProcess: {
    offP50Us: number;
    onP50Us: number;
    offCpuPerCallUs: number;
    onCpuPerCallUs: number;
    deltaCpuPerCallUs: number;
    calls: number;
    /** Calls that did not answer ok (a stalled machine timing one out). */
    failed: number;
  };
}

const SAMPLES = 4_000;
const WARMUP = 1_000;

/** The CPU seconds a server process has used so far, from its /metrics (prom-client's process metrics). */
async function cpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? Number.NaN);
  return read("process_cpu_user_seconds_total") + read("process_cpu_system_seconds_total");
}

const BLOCK = 200;
const BLOCKS = 50;

/**
 * Two runtimes of `catalog` in this process, one traced (exporting to
 * `receiver`), one not; invokeExtension of `extensionId` alternately in
 * blocks of BLOCK calls, each call timed, each block's CPU time (this
 * process's, user + system) added to its side.
 */
async function measureInProcess(
  catalog: Catalog,
  receiver: OtlpReceiver,
  extensionId: string,
): Promise<TracingBenchResult["inProcess"]> {
  const tracing = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  if (!tracing) throw new Error("tracing did not start");
  const logger = pino({ level: "silent" });
  const runtimes = {
    off: await createRuntime({ catalog, logger, defaultMetrics: false }),
    on: await createRuntime({ catalog, logger, defaultMetrics: false, tracer: tracing.tracer }),
  };
  try {
    await Promise.all([runtimes.off.preload(), runtimes.on.preload()]);
    const req = create(InvokeExtensionRequestSchema, {
      extensionId,
      version: "latest",
      ctx: { tenantId: "acme", userId: "u-1", actorType: "USER" },
      inputJson: new TextEncoder().encode(DEAL_INPUT),
    });
    const h = { off: hdr.build(), on: hdr.build() };
    const cpuUs = { off: 0, on: 0 };
    const failed = 0;
    for (let b = 0; b < BLOCKS + 5; b++) {
      for (const side of b % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) {
        const c0 = process.cpuUsage();
        for (let i = 0; i < BLOCK; i++) {
          const t = performance.now();
          const r = await runtimes[side].invokeExtension(req);
          if (b >= 5) h[side].recordValue(Math.round((performance.now() - t) * 1000));
          if (r.outcome !== Outcome.OK)
            throw new Error(`the runtime answered ${r.errorCode}/${r.errorReason}`);
        }
        const c = process.cpuUsage(c0);
        if (b >= 5) cpuUs[side] += c.user + c.system;
      }
    }
    const calls = BLOCKS * BLOCK;
    const result = {
      offP50Us: h.off.getValueAtPercentile(50),
      onP50Us: h.on.getValueAtPercentile(50),
      offCpuPerCallUs: cpuUs.off / calls,
      onCpuPerCallUs: cpuUs.on / calls,
      deltaCpuPerCallUs: (cpuUs.on - cpuUs.off) / calls,
      calls,
      failed,
    };
    h.off.destroy();
    h.on.destroy();
    return result;
  } finally {
    await Promise.all([runtimes.off.close(), runtimes.on.close()]);
    await tracing.shutdown();
  }
}

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
  const { catalog } = await loadRuntimeConfig(catalogPath, {}, { port: 0 });
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
    const cpu = { off: 0, on: 0 };
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      if (i === WARMUP) [cpu.off, cpu.on] = await Promise.all([cpuSeconds(offUrl), cpuSeconds(traced.url)]);
      // Alternate which goes first, so neither always follows the other's GC or export.
      const order = i % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
      for (const side of order) {
        const t = performance.now();
        await (side === "off" ? off : on).invokeExtension(req);
        if (i >= WARMUP) h[side].recordValue(Math.round((performance.now() - t) * 1000));
      }
    }
    const [offCpu, onCpu] = await Promise.all([cpuSeconds(offUrl), cpuSeconds(traced.url)]);
    const summary = (x: hdr.Histogram, cpuS: number): TracingSide => ({
      p50Us: x.getValueAtPercentile(50),
      p99Us: x.getValueAtPercentile(99),
      samples: x.totalCount,
      cpuPerCallUs: (cpuS * 1e6) / SAMPLES,
    });
    const result = { off: summary(h.off, offCpu - cpu.off), on: summary(h.on, onCpu - cpu.on) };
    h.off.destroy();
    h.on.destroy();
    stopped = true;
    await traced.stop(); // exports what is still buffered
    const spansExported = receiver.spans.length;
    const inProcess = await measureInProcess(catalog, receiver, extensionId);
    return {
      ...result,
      inProcess,
      deltaP50Ms: (result.on.p50Us - result.off.p50Us) / 1000,
      deltaCpuPerCallUs: result.on.cpuPerCallUs - result.off.cpuPerCallUs,
      spansExported,
      sampler: "parentbased_always_on (the default), every invocation a root span",
    };
  } finally {
    if (!stopped) await traced.stop();
    await receiver.close();
  }
}
