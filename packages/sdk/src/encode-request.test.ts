import {
  ExecutionContextSchema,
  InvokeExtensionBatchRequestSchema,
  InvokeExtensionRequestSchema,
} from "@ameide-ext/proto";
import { seededRandom } from "@ameide-ext/runtime/testing";
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { encodeBatchRequest, encodeInvokeRequest } from "./encode-request.js";

describe("encodeBatchRequest and encodeInvokeRequest", () => {
  it("writes the bytes protobuf-es's toBinary writes, on random requests", () => {
    const next = seededRandom(3);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const text = () =>
      pick(["", "acme", "x".repeat(200), "prix €", "日本語", "😀", "\uD800 lone", "y".repeat(20_000)]);
    const input = () =>
      new TextEncoder().encode(pick(["{}", '{"n":1}', "z".repeat(pick([0, 1, 127, 128, 16_384, 70_000]))]));
    for (let k = 0; k < 300; k++) {
      const req = create(InvokeExtensionBatchRequestSchema, {
        extensionId: text(),
        version: text(),
        consumerRef: text(),
        inputsJson: Array.from({ length: pick([0, 1, 2, 130]) }, input),
      });
      if (next() < 0.8)
        req.ctx = create(ExecutionContextSchema, {
          tenantId: text(),
          orgId: text(),
          userId: text(),
          actorType: text(),
          sessionId: text(),
          correlationId: text(),
          env: text(),
          riskTier: text(),
        });
      const single = create(InvokeExtensionRequestSchema, {
        extensionId: req.extensionId,
        version: req.version,
        consumerRef: req.consumerRef,
        inputJson: req.inputsJson[0] ?? new Uint8Array(0),
        ...(req.ctx ? { ctx: req.ctx } : {}),
      });
      expect(
        Buffer.from(encodeInvokeRequest(single)).equals(toBinary(InvokeExtensionRequestSchema, single)),
        `single request ${k}`,
      ).toBe(true);
      expect(
        Buffer.from(encodeBatchRequest(req)).equals(toBinary(InvokeExtensionBatchRequestSchema, req)),
        `request ${k}`,
      ).toBe(true);
    }
  });
});
