import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvokeExtensionBatchRequestSchema } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { context, ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "../catalog/parse-catalog.js";
import { buildTestHook, captureLogger, invokeRequest, writeModule } from "../testing/service-fixtures.js";
import { createRuntime, type Runtime } from "./create-runtime.js";
import { SPAN_NAMES } from "./invocation-tracing.js";

const encoder = new TextEncoder();
const PARENT = { traceId: "5bf92f3577b34da6a3ce929d0e0e4736", spanId: "10f067aa0ba902b7" };

describe("invocation spans of an embedded runtime", () => {
  let dir: string;
  let traced: Runtime;
  let untraced: Runtime;
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager();

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    dir = await mkdtemp(join(tmpdir(), "ameide-tracing-"));
    const catalog = createCatalog({
      runtime: { pool: { size: 1 }, preload: false },
      extensions: [
        {
          tenant_id: "acme",
          extension_id: "echo",
          version: "1",
          kind: "agent_tool",
          risk_tier: "low",
          wasm_blob_ref: await writeModule(dir, "echo", await buildTestHook("echo", "1")),
        },
      ],
    });
    const logger = captureLogger("error").logger;
    traced = await createRuntime({ catalog, logger, defaultMetrics: false, tracer: provider.getTracer("t") });
    untraced = await createRuntime({ catalog, logger, defaultMetrics: false });
  }, 120_000);

  afterAll(async () => {
    await traced?.close();
    await untraced?.close();
    context.disable();
    await rm(dir, { recursive: true, force: true });
  });

  it("does no tracing work without a tracer (runtime.tracing false, no span ended anywhere)", async () => {
    exporter.reset();
    expect(untraced.tracing).toBe(false);
    const response = await untraced.invokeExtension(invokeRequest({ extensionId: "echo", input: { a: 1 } }));
    expect(response.errorCode).toBe("");
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("continues the active context when no traceparent was given (an in-process caller's span)", async () => {
    exporter.reset();
    const parent = trace.setSpanContext(ROOT_CONTEXT, { ...PARENT, traceFlags: TraceFlags.SAMPLED });
    await context.with(parent, () =>
      traced.invokeExtension(invokeRequest({ extensionId: "echo", input: {} })),
    );
    const [fetch, invoke] = exporter.getFinishedSpans();
    expect(invoke?.name).toBe(SPAN_NAMES.invocation);
    expect(invoke?.spanContext().traceId).toBe(PARENT.traceId);
    expect(invoke?.parentSpanContext?.spanId).toBe(PARENT.spanId);
    expect(invoke?.attributes).toMatchObject({ "ameide.hook_kind": "agent", "ameide.outcome": "ok" });
    expect(fetch?.name).toBe(SPAN_NAMES.moduleFetch);
    expect(fetch?.parentSpanContext?.spanId).toBe(invoke?.spanContext().spanId);
  });

  it("makes one span per batch, each input's outcome counted in its attributes", async () => {
    exporter.reset();
    const traceContext = trace.setSpanContext(ROOT_CONTEXT, { ...PARENT, traceFlags: TraceFlags.SAMPLED });
    const req = create(InvokeExtensionBatchRequestSchema, {
      extensionId: "echo",
      version: "latest",
      ctx: { tenantId: "acme", userId: "u-1", actorType: "USER" },
      inputsJson: [encoder.encode("{}"), encoder.encode("not json"), encoder.encode('{"b":2}')],
    });
    const response = await traced.invokeExtensionBatch(req, { traceContext });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual([SPAN_NAMES.batch]);
    const technical = response.results.filter((r) => r.errorCode !== "" && r.errorReason !== "").length;
    expect(spans[0]?.parentSpanContext?.spanId).toBe(PARENT.spanId);
    expect(spans[0]?.attributes).toMatchObject({
      "ameide.batch.size": 3,
      "ameide.batch.technical_error": technical,
      "ameide.batch.ok": 3 - technical - Number(spans[0]?.attributes["ameide.batch.business_error"]),
      "ameide.extension_version": "1",
    });
  });

  it("marks a refused invocation's span as an error with its code and reason", async () => {
    exporter.reset();
    await traced.invokeExtension(invokeRequest({ extensionId: "nope", input: {} }));
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: "not_found" });
    expect(span?.attributes).toMatchObject({
      "ameide.outcome": "technical_error",
      "ameide.error_code": "not_found",
    });
  });
});
