import {
  type InvokeExtensionBatchResponse,
  InvokeExtensionBatchResponseSchema,
  type InvokeExtensionResponse,
  InvokeExtensionResponseSchema,
  LogLevel,
  Outcome,
} from "@ameide-ext/proto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../testing/seeded-random.js";
import { encodeBatchResponse, preEncoded } from "./encode-batch-response.js";

const encoder = new TextEncoder();

/** A random response: fields empty or set, ASCII and multi-byte text, uint64s small, huge and at the varint edges. */
function randomResponse(next: () => number): InvokeExtensionResponse {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const text = () =>
    pick(["", "a", "x".repeat(130), "prix: 12 €", "日本語のログ", "😀 emoji", "r".repeat(20_000)]);
  const u64 = () =>
    pick([
      0n,
      1n,
      127n,
      128n,
      16_383n,
      16_384n,
      2n ** 32n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 63n,
      2n ** 64n - 1n,
    ]);
  const stats =
    next() < 0.1
      ? undefined
      : {
          fuelUsed: u64(),
          fuelLimit: u64(),
          peakMemoryBytes: u64(),
          memoryLimitBytes: u64(),
          durationUs: u64(),
          outputBytes: u64(),
          hostCalls: pick([0, 1, 127, 128, 2 ** 31, 2 ** 32 - 1]),
        };
  return create(InvokeExtensionResponseSchema, {
    outputJson: encoder.encode(pick(["", '{"net":1}', text()])),
    errorCode: text(),
    errorMsg: text(),
    outcome: pick([
      Outcome.UNSPECIFIED,
      Outcome.OK,
      Outcome.BUSINESS_ERROR,
      Outcome.TECHNICAL_ERROR,
      -1 as Outcome,
    ]),
    errorReason: text(),
    resolvedVersion: pick(["", "3", "10"]),
    stats,
    logs: Array.from({ length: pick([0, 0, 1, 3]) }, () => ({
      level: pick([LogLevel.UNSPECIFIED, LogLevel.INFO, LogLevel.ERROR, -5 as LogLevel]),
      message: text(),
    })),
    errorDetailsJson: encoder.encode(pick(["", '{"field":"qty"}'])),
    moduleSha256: pick(["", "ab".repeat(32)]),
  });
}

/** A random batch response of `count` results, its version and sha256 set or not. */
function randomBatch(next: () => number, count: number): InvokeExtensionBatchResponse {
  return create(InvokeExtensionBatchResponseSchema, {
    results: Array.from({ length: count }, () => randomResponse(next)),
    resolvedVersion: next() < 0.5 ? "" : "12",
    moduleSha256: next() < 0.5 ? "" : "cd".repeat(32),
  });
}

describe("encodeBatchResponse()", () => {
  it("writes the bytes toBinary writes, on random batch responses", () => {
    const next = seededRandom(479);
    for (const count of [0, 1, 2, 5, 50, 600]) {
      const res = randomBatch(next, count);
      // Buffer.equals: a deep toEqual of megabytes takes minutes on a loaded machine.
      const ours = Buffer.from(encodeBatchResponse(res));
      const theirs = Buffer.from(toBinary(InvokeExtensionBatchResponseSchema, res));
      expect(ours.equals(theirs), `${count} results: ${ours.length} bytes, toBinary ${theirs.length}`).toBe(
        true,
      );
    }
  });

  it("writes each result as toBinary writes it alone, an empty one and one with empty stats included", () => {
    const next = seededRandom(12);
    const results = [
      create(InvokeExtensionResponseSchema),
      create(InvokeExtensionResponseSchema, { stats: {} }),
      ...Array.from({ length: 200 }, () => randomResponse(next)),
    ];
    for (const r of results) {
      const one = encodeBatchResponse(create(InvokeExtensionBatchResponseSchema, { results: [r] }));
      const theirs = toBinary(InvokeExtensionResponseSchema, r);
      expect(Buffer.from(one.subarray(one.length - theirs.length)).equals(theirs)).toBe(true);
    }
    const [empty, emptyStats] = results;
    expect([
      ...encodeBatchResponse(create(InvokeExtensionBatchResponseSchema, { results: [empty as never] })),
    ]).toEqual([0x0a, 0]);
    expect([
      ...encodeBatchResponse(create(InvokeExtensionBatchResponseSchema, { results: [emptyStats as never] })),
    ]).toEqual([0x0a, 2, 0x3a, 0]);
  });
});

describe("preEncoded()", () => {
  it("gives a message toBinary writes as exactly the bytes it was given, read back equal", () => {
    const next = seededRandom(7);
    for (const count of [0, 1, 50]) {
      const res = randomBatch(next, count);
      const bytes = encodeBatchResponse(res);
      const wire = toBinary(InvokeExtensionBatchResponseSchema, preEncoded(bytes));
      expect(Buffer.from(wire).equals(bytes)).toBe(true);
      expect(fromBinary(InvokeExtensionBatchResponseSchema, wire)).toEqual(res);
    }
  });
});
