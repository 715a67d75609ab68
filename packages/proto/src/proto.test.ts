import type { DescMessage } from "@bufbuild/protobuf";
import { create, equals, fromBinary, fromJson, ScalarType, toBinary, toJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  DomainExtensionConfigSchema,
  ExecutionContextSchema,
  ExtensionDefinitionSchema,
  ExtensionKind,
  InvokeExtensionRequestSchema,
  InvokeExtensionResponseSchema,
  LogLevel,
  Outcome,
} from "./index.js";

/** `[proto field name, field number]` of every field of `schema`, in declaration order. */
function fieldNumbers(schema: DescMessage): Array<[string, number]> {
  return schema.fields.map((field) => [field.name, field.number]);
}

function sampleRequest() {
  return create(InvokeExtensionRequestSchema, {
    extensionId: "l2o-risk-score",
    version: "latest",
    ctx: {
      tenantId: "acme",
      orgId: "acme-emea",
      userId: "user-42",
      actorType: "USER",
      sessionId: "sess-1",
      correlationId: "corr-7",
      env: "dev",
      riskTier: "MEDIUM",
    },
    inputJson: new TextEncoder().encode('{"dealValue":55000,"margin":0.08}'),
  });
}

describe("InvokeExtensionRequest", () => {
  it("round-trips through the binary format", () => {
    const request = sampleRequest();
    const decoded = fromBinary(InvokeExtensionRequestSchema, toBinary(InvokeExtensionRequestSchema, request));
    expect(equals(InvokeExtensionRequestSchema, decoded, request)).toBe(true);
    expect(new TextDecoder().decode(decoded.inputJson)).toBe('{"dealValue":55000,"margin":0.08}');
  });

  it("round-trips through JSON, with camelCase names and base64 input_json", () => {
    const request = sampleRequest();
    const json = toJson(InvokeExtensionRequestSchema, request);
    expect(json).toMatchObject({
      extensionId: "l2o-risk-score",
      version: "latest",
      ctx: { tenantId: "acme", actorType: "USER", riskTier: "MEDIUM" },
      inputJson: Buffer.from('{"dealValue":55000,"margin":0.08}').toString("base64"),
    });
    const decoded = fromJson(InvokeExtensionRequestSchema, JSON.parse(JSON.stringify(json)));
    expect(equals(InvokeExtensionRequestSchema, decoded, request)).toBe(true);
  });
});

describe("InvokeExtensionResponse", () => {
  it("round-trips a business error with stats and logs through binary and JSON", () => {
    const response = create(InvokeExtensionResponseSchema, {
      outcome: Outcome.BUSINESS_ERROR,
      errorCode: "credit_limit_exceeded",
      errorMsg: "deal exceeds the credit limit",
      resolvedVersion: "3",
      stats: {
        fuelUsed: 12_345n,
        fuelLimit: 10_000_000n,
        peakMemoryBytes: 65_536n,
        memoryLimitBytes: 16n * 1024n * 1024n,
        durationUs: 812n,
        outputBytes: 64n,
        hostCalls: 1,
      },
      logs: [{ level: LogLevel.WARN, message: "margin below 10%" }],
    });
    const viaBinary = fromBinary(
      InvokeExtensionResponseSchema,
      toBinary(InvokeExtensionResponseSchema, response),
    );
    expect(equals(InvokeExtensionResponseSchema, viaBinary, response)).toBe(true);

    const json = toJson(InvokeExtensionResponseSchema, response);
    // Enums travel by name and 64-bit integers as strings in the JSON mapping.
    expect(json).toMatchObject({
      outcome: "OUTCOME_BUSINESS_ERROR",
      stats: { fuelUsed: "12345", hostCalls: 1 },
      logs: [{ level: "LOG_LEVEL_WARN" }],
    });
    const viaJson = fromJson(InvokeExtensionResponseSchema, json);
    expect(equals(InvokeExtensionResponseSchema, viaJson, response)).toBe(true);
  });
});

describe("spec 479 field numbers", () => {
  it("keeps ExecutionContext as in §3.2, every field a string", () => {
    expect(fieldNumbers(ExecutionContextSchema).slice(0, 8)).toEqual([
      ["tenant_id", 1],
      ["org_id", 2],
      ["user_id", 3],
      ["actor_type", 4],
      ["session_id", 5],
      ["correlation_id", 6],
      ["env", 7],
      ["risk_tier", 8],
    ]);
    for (const field of ExecutionContextSchema.fields.slice(0, 8)) {
      expect(field.fieldKind === "scalar" && field.scalar === ScalarType.STRING).toBe(true);
    }
  });

  it("keeps the first fields of InvokeExtensionRequest and InvokeExtensionResponse as in §3.2", () => {
    expect(fieldNumbers(InvokeExtensionRequestSchema)).toEqual([
      ["extension_id", 1],
      ["version", 2],
      ["ctx", 3],
      ["input_json", 4],
      // An addition after the spec's four (issue #15: pins reach the runtime).
      ["consumer_ref", 5],
    ]);
    expect(fieldNumbers(InvokeExtensionResponseSchema).slice(0, 3)).toEqual([
      ["output_json", 1],
      ["error_code", 2],
      ["error_msg", 3],
    ]);
  });

  it("keeps DomainExtensionConfig as in §4.2", () => {
    expect(fieldNumbers(DomainExtensionConfigSchema).slice(0, 2)).toEqual([
      ["extension_id", 1],
      ["version", 2],
    ]);
  });
});

describe("fromJson()", () => {
  it("accepts an enum by its protobuf name", () => {
    const definition = fromJson(ExtensionDefinitionSchema, { kind: "EXTENSION_KIND_PROCESS_HOOK" });
    expect(definition.kind).toBe(ExtensionKind.PROCESS_HOOK);
  });

  it("rejects an unknown enum name", () => {
    expect(() => fromJson(InvokeExtensionResponseSchema, { outcome: "OUTCOME_MAYBE" })).toThrow();
    // The spec's lowercase spelling is not the protobuf name either.
    expect(() => fromJson(ExtensionDefinitionSchema, { kind: "process_hook" })).toThrow();
  });

  it("reads an unknown enum name as UNSPECIFIED only when told to ignore unknown fields", () => {
    const response = fromJson(
      InvokeExtensionResponseSchema,
      { outcome: "OUTCOME_MAYBE" },
      { ignoreUnknownFields: true },
    );
    expect(response.outcome).toBe(Outcome.UNSPECIFIED);
  });
});
