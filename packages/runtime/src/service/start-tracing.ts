import { ExtensionError } from "@ameide-ext/contract";
import { propagation, type Tracer, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";

/** The `service.name` of the runtime's spans when OTEL_SERVICE_NAME does not say. */
export const DEFAULT_SERVICE_NAME = "ameide-ext-runtime";

/** The samplers OTEL_TRACES_SAMPLER may name (the OpenTelemetry SDK's environment variables). */
export const TRACES_SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

/** What the `OTEL_*` environment asks of the runtime's traces. */
export interface TracingSettings {
  /** Where spans are POSTed as OTLP/HTTP protobuf: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/traces". */
  url: string;
  /** OTEL_TRACES_SAMPLER; default "parentbased_always_on". */
  sampler: (typeof TRACES_SAMPLERS)[number];
  /** OTEL_TRACES_SAMPLER_ARG for the ratio samplers: from 0 to 1, default 1. */
  ratio: number;
  /** The batch span processor's OTEL_BSP_* variables that are set (the processor's defaults otherwise). */
  batch: {
    /** OTEL_BSP_SCHEDULE_DELAY: milliseconds between two exports; default 5,000. */
    scheduledDelayMillis?: number;
    /** OTEL_BSP_EXPORT_TIMEOUT: milliseconds an export may take; default 30,000. */
    exportTimeoutMillis?: number;
    /** OTEL_BSP_MAX_QUEUE_SIZE: spans buffered, the newest dropped past it; default 2,048. */
    maxQueueSize?: number;
    /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE: spans per export; default 512. */
    maxExportBatchSize?: number;
  };
}

/** The OTEL_BSP_* variables, by the batch span processor option each sets. */
const BSP_VARIABLES = {
  scheduledDelayMillis: "OTEL_BSP_SCHEDULE_DELAY",
  exportTimeoutMillis: "OTEL_BSP_EXPORT_TIMEOUT",
  maxQueueSize: "OTEL_BSP_MAX_QUEUE_SIZE",
  maxExportBatchSize: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
} as const;

/** The OTEL_BSP_* variables set in `env`, each a positive integer. */
function batchSettings(env: NodeJS.ProcessEnv): TracingSettings["batch"] {
  const batch: TracingSettings["batch"] = {};
  for (const [option, name] of Object.entries(BSP_VARIABLES) as [keyof typeof BSP_VARIABLES, string][]) {
    const text = read(env, name);
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1)
      throw invalid(`${name} is ${JSON.stringify(text)}, it must be a positive integer`, name);
    batch[option] = value;
  }
  return batch;
}

const invalid = (message: string, variable: string) =>
  new ExtensionError("invalid_argument", message, "invalid_manifest", { variable });

/** The value of `name`, or undefined when unset or blank. */
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Reads the standard `OTEL_*` variables: undefined (tracing off) when
 * OTEL_SDK_DISABLED is true, OTEL_TRACES_EXPORTER is "none", or no OTLP
 * endpoint is set. Throws `invalid_argument / invalid_manifest` (as the runtime's other variables) for an exporter
 * other than "otlp", a protocol other than "http/protobuf", an unknown sampler
 * a ratio outside 0..1, or an OTEL_BSP_* value that is not a positive integer.
 */
export function tracingSettingsFromEnv(env: NodeJS.ProcessEnv): TracingSettings | undefined {
  if (read(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true") return undefined;
  const exporter = read(env, "OTEL_TRACES_EXPORTER")?.toLowerCase();
  if (exporter === "none") return undefined;
  if (exporter !== undefined && exporter !== "otlp")
    throw invalid(
      `OTEL_TRACES_EXPORTER is ${JSON.stringify(exporter)}: the runtime exports traces over OTLP only; set "otlp" or "none"`,
      "OTEL_TRACES_EXPORTER",
    );
  const tracesEndpoint = read(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const endpoint = read(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  const url = tracesEndpoint ?? (endpoint && `${endpoint.replace(/\/+$/, "")}/v1/traces`);
  if (url === undefined) return undefined;
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"]) {
    const protocol = read(env, name);
    if (protocol !== undefined && protocol !== "http/protobuf")
      throw invalid(
        `${name} is ${JSON.stringify(protocol)}: the runtime exports OTLP over HTTP with protobuf; set "http/protobuf"`,
        name,
      );
  }
  const sampler = (read(env, "OTEL_TRACES_SAMPLER")?.toLowerCase() ?? "parentbased_always_on") as
    | TracingSettings["sampler"]
    | string;
  if (!(TRACES_SAMPLERS as readonly string[]).includes(sampler))
    throw invalid(
      `OTEL_TRACES_SAMPLER is ${JSON.stringify(sampler)}; use one of ${TRACES_SAMPLERS.join(", ")}`,
      "OTEL_TRACES_SAMPLER",
    );
  const arg = read(env, "OTEL_TRACES_SAMPLER_ARG");
  const ratio = arg === undefined ? 1 : Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    throw invalid(
      `OTEL_TRACES_SAMPLER_ARG is ${JSON.stringify(arg)}, it must be a number from 0 to 1`,
      "OTEL_TRACES_SAMPLER_ARG",
    );
  return { url, sampler: sampler as TracingSettings["sampler"], ratio, batch: batchSettings(env) };
}

/** The sampler `settings` name. */
export function samplerOf(settings: Pick<TracingSettings, "sampler" | "ratio">): Sampler {
  switch (settings.sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(settings.ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.ratio) });
  }
}

/** The runtime's tracing, once started. */
export interface Tracing {
  /** The tracer the runtime's spans come from. */
  tracer: Tracer;
  /** The settings in force. */
  settings: TracingSettings;
  /** Exports the spans still buffered and stops the exporter. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK as the `OTEL_*` environment asks
 * ({@link tracingSettingsFromEnv}), or returns undefined when it asks for no
 * traces: then nothing is registered and the runtime does no tracing work at
 * all. Registers, globally, the tracer provider (spans batched and POSTed as
 * OTLP/HTTP protobuf) and the W3C trace context propagator, but no context
 * manager: the runtime hands each invocation's context to its children
 * explicitly, and an AsyncLocalStorage context manager would put a promise
 * hook on every promise of the process (Node 20), tracing on or off. The resource is `service.name` (OTEL_SERVICE_NAME,
 * default "ameide-ext-runtime") plus OTEL_RESOURCE_ATTRIBUTES. The exporter's
 * other variables (headers, timeout, compression) are read by the exporter
 * itself; the batch processor's (OTEL_BSP_*) here.
 */
export function startTracing(env: NodeJS.ProcessEnv): Tracing | undefined {
  const settings = tracingSettingsFromEnv(env);
  if (settings === undefined) return undefined;
  const resource = resourceFromAttributes({
    "service.name": read(env, "OTEL_SERVICE_NAME") ?? DEFAULT_SERVICE_NAME,
  }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new TracerProvider({
    resource,
    sampler: samplerOf(settings),
    spanProcessors: [
      new BatchSpanProcessor({ ...settings.batch, exporter: new OTLPTraceExporter({ url: settings.url }) }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    tracer: provider.getTracer("@ameide-ext/runtime"),
    settings,
    shutdown: () => provider.shutdown(),
  };
}
