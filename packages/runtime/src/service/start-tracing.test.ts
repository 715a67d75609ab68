import { ExtensionError } from "@ameide-ext/contract";
import { context, SpanKind } from "@opentelemetry/api";
import { SamplingDecision } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { samplerOf, startTracing, tracingSettingsFromEnv } from "./start-tracing.js";

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };

function refusal(env: NodeJS.ProcessEnv): { code: string; reason: string | undefined; variable: unknown } {
  try {
    tracingSettingsFromEnv(env);
  } catch (cause) {
    const err = ExtensionError.from(cause);
    return { code: err.code, reason: err.reason, variable: err.details?.variable };
  }
  throw new Error("no refusal");
}

describe("tracingSettingsFromEnv()", () => {
  it("is off when no OTLP endpoint is set, whatever else is", () => {
    expect(tracingSettingsFromEnv({})).toBeUndefined();
    expect(
      tracingSettingsFromEnv({ OTEL_TRACES_SAMPLER: "always_on", OTEL_SERVICE_NAME: "x" }),
    ).toBeUndefined();
    expect(startTracing({})).toBeUndefined();
  });

  it("is off when OTEL_TRACES_EXPORTER is none or OTEL_SDK_DISABLED is true", () => {
    expect(tracingSettingsFromEnv({ ...ENDPOINT, OTEL_TRACES_EXPORTER: "none" })).toBeUndefined();
    expect(tracingSettingsFromEnv({ ...ENDPOINT, OTEL_SDK_DISABLED: "true" })).toBeUndefined();
  });

  it("posts to <endpoint>/v1/traces, or to the traces endpoint as given", () => {
    expect(tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })?.url).toBe(
      "http://collector:4318/v1/traces",
    );
    expect(
      tracingSettingsFromEnv({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://other:9999/traces" })
        ?.url,
    ).toBe("http://other:9999/traces");
  });

  it("defaults to parentbased_always_on, and reads the sampler, its ratio and the OTEL_BSP_* variables", () => {
    expect(tracingSettingsFromEnv(ENDPOINT)).toEqual({
      url: "http://collector:4318/v1/traces",
      sampler: "parentbased_always_on",
      ratio: 1,
      batch: {},
    });
    expect(
      tracingSettingsFromEnv({
        ...ENDPOINT,
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.25",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_BSP_MAX_QUEUE_SIZE: "4096",
      }),
    ).toMatchObject({
      sampler: "parentbased_traceidratio",
      ratio: 0.25,
      batch: { scheduledDelayMillis: 100, maxQueueSize: 4096 },
    });
  });

  it("refuses what it cannot honour with invalid_argument/invalid_manifest naming the variable", () => {
    const bad: Array<[NodeJS.ProcessEnv, string]> = [
      [{ ...ENDPOINT, OTEL_TRACES_EXPORTER: "zipkin" }, "OTEL_TRACES_EXPORTER"],
      [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, "OTEL_EXPORTER_OTLP_PROTOCOL"],
      [
        { ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json" },
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
      ],
      [{ ...ENDPOINT, OTEL_TRACES_SAMPLER: "sometimes" }, "OTEL_TRACES_SAMPLER"],
      [
        { ...ENDPOINT, OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1.5" },
        "OTEL_TRACES_SAMPLER_ARG",
      ],
      [{ ...ENDPOINT, OTEL_BSP_SCHEDULE_DELAY: "soon" }, "OTEL_BSP_SCHEDULE_DELAY"],
    ];
    for (const [env, variable] of bad)
      expect(refusal(env)).toEqual({ code: "invalid_argument", reason: "invalid_manifest", variable });
  });
});

describe("samplerOf()", () => {
  const decide = (sampler: ReturnType<typeof samplerOf>, traceId: string) =>
    sampler.shouldSample(context.active(), traceId, "s", SpanKind.SERVER, {}, []).decision;

  it("samples by trace id at the ratio asked, and always or never as named", () => {
    const low = "00000000000000000000000000000001";
    const high = "ffffffff000000000000000000000000";
    const half = samplerOf({ sampler: "traceidratio", ratio: 0.5 });
    // Which end of the trace ids a ratio keeps is the SDK's business: at 0.5 it keeps one and drops the other.
    expect(new Set([decide(half, low), decide(half, high)])).toEqual(
      new Set([SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.NOT_RECORD]),
    );
    expect(decide(samplerOf({ sampler: "traceidratio", ratio: 0 }), high)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(samplerOf({ sampler: "always_off", ratio: 1 }), low)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(samplerOf({ sampler: "parentbased_always_on", ratio: 1 }), high)).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
  });
});
