// An OTLP/HTTP trace receiver for tests and benches: what a collector is to the runtime, decoded with
// the official OTLP protos (otlp-proto/, generated into src/gen by protoc-gen-es).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { context, propagation } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  ExportTraceServiceRequestSchema,
  ExportTraceServiceResponseSchema,
} from "../gen/opentelemetry/proto/collector/trace/v1/trace_service_pb.js";
import type { AnyValue } from "../gen/opentelemetry/proto/common/v1/common_pb.js";
import { Span_SpanKind, Status_StatusCode } from "../gen/opentelemetry/proto/trace/v1/trace_pb.js";

/** One span as received, ids in lowercase hex. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: "internal" | "server" | "client" | "producer" | "consumer" | "unspecified";
  /** Its attributes, scalars as they are; others as JSON text. */
  attributes: Record<string, string | number | boolean>;
  status: "unset" | "ok" | "error";
  statusMessage: string;
  /** The resource's `service.name`. */
  serviceName: string;
}

/** A running receiver. */
export interface OtlpReceiver {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT (spans are POSTed to `<url>/v1/traces`). */
  url: string;
  /** Every span received so far, in order. */
  spans: ReceivedSpan[];
  /** Export requests received (each decoded as an ExportTraceServiceRequest). */
  readonly requests: number;
  /** Resolves with the spans once `done` accepts them, or rejects after `timeoutMs`. */
  waitFor(done: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

const KINDS: Record<Span_SpanKind, ReceivedSpan["kind"]> = {
  [Span_SpanKind.UNSPECIFIED]: "unspecified",
  [Span_SpanKind.INTERNAL]: "internal",
  [Span_SpanKind.SERVER]: "server",
  [Span_SpanKind.CLIENT]: "client",
  [Span_SpanKind.PRODUCER]: "producer",
  [Span_SpanKind.CONSUMER]: "consumer",
};

function scalar(value: AnyValue | undefined): string | number | boolean {
  const v = value?.value;
  switch (v?.case) {
    case "stringValue":
    case "boolValue":
    case "doubleValue":
      return v.value;
    case "intValue":
      return Number(v.value);
    default:
      return JSON.stringify(v?.value ?? null, (_k, x) => (typeof x === "bigint" ? Number(x) : x));
  }
}

/** Decodes one OTLP/HTTP protobuf export body into its spans. */
export function decodeTraceExport(body: Uint8Array): ReceivedSpan[] {
  const request = fromBinary(ExportTraceServiceRequestSchema, body);
  const spans: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans) {
    const service = rs.resource?.attributes.find((a) => a.key === "service.name");
    const serviceName = String(scalar(service?.value));
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans)
        spans.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: KINDS[s.kind] ?? "unspecified",
          attributes: Object.fromEntries(s.attributes.map((a) => [a.key, scalar(a.value)])),
          status:
            s.status?.code === Status_StatusCode.ERROR
              ? "error"
              : s.status?.code === Status_StatusCode.OK
                ? "ok"
                : "unset",
          statusMessage: s.status?.message ?? "",
          serviceName,
        });
  }
  return spans;
}

/**
 * Starts an OTLP/HTTP receiver on loopback: `POST /v1/traces` with a protobuf
 * ExportTraceServiceRequest (gzip or not) is decoded and answered with an
 * empty ExportTraceServiceResponse; anything else gets 404, a body that does
 * not decode 400.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const state = { requests: 0 };
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      try {
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        spans.push(...decodeTraceExport(body));
        state.requests++;
      } catch (cause) {
        res.writeHead(400, { "content-type": "text/plain" }).end(String(cause));
        return;
      }
      res
        .writeHead(200, { "content-type": "application/x-protobuf" })
        .end(toBinary(ExportTraceServiceResponseSchema, create(ExportTraceServiceResponseSchema)));
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    get requests() {
      return state.requests;
    },
    waitFor(done, timeoutMs = 20_000) {
      if (done(spans)) return Promise.resolve(spans);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(spans)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(spans);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`the spans awaited did not arrive within ${timeoutMs} ms (${spans.length} received)`),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Registers, in this process, the AsyncLocalStorage context manager and the
 * W3C trace context propagator, as a traced caller service has: a span
 * context made active with `context.with` is then sent as `traceparent`.
 */
export function registerCallerPropagation(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}
