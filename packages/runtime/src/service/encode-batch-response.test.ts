import { ExtensionError, type LogLevel } from "@ameide-ext/contract";
import { InvokeExtensionBatchResponseSchema, InvokeExtensionResponseSchema } from "@ameide-ext/proto";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { InvocationResult } from "../engine/types.js";
import { seededRandom } from "../testing/seeded-random.js";
import type { BatchItem } from "./batch-dispatch.js";
import { type BatchAnswer, batchResponse, resultAt, statColumns } from "./batch-response.js";
import { encodeBatchAnswer, preEncoded } from "./encode-batch-response.js";

/** A random run's result: each outcome, text ASCII and multi-byte, stats small, huge and at the varint edges. */
function randomResult(next: () => number): InvocationResult {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const text = () =>
    pick([
      "",
      "a",
      "x".repeat(130),
      "prix: 12 €",
      "日本語のログ",
      "😀 emoji",
      "\uD800 lone",
      "r".repeat(20_000),
    ]);
  const n = () => pick([0, 1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 32, 2 ** 53 - 1]);
  const stats = {
    fuelUsed: n(),
    fuelLimit: n(),
    peakMemoryBytes: n(),
    memoryLimitBytes: n(),
    durationUs: pick([0, 0.4, 0.5, 2.49, 127.5, n()]),
    outputBytes: n(),
    outputLimitBytes: n(),
    hostCalls: pick([0, 1, 127, 128, 2 ** 31, 2 ** 32 - 1]),
  };
  const logs = Array.from({ length: pick([0, 0, 1, 3]) }, () => ({
    level: pick(["debug", "info", "warn", "error", "loud"] as LogLevel[]),
    message: text(),
  }));
  const outcome = pick(["ok", "business_error", "technical_error"] as const);
  if (outcome === "ok") {
    const output = pick([undefined, "", '{"net":1}', JSON.stringify(text())]);
    return output === undefined ? { outcome, stats, logs } : { outcome, output, stats, logs };
  }
  if (outcome === "business_error") {
    const details = pick([undefined, { field: "qty" }, null, "€", [1, 2]]);
    const businessError =
      details === undefined ? { code: text(), message: text() } : { code: text(), message: text(), details };
    return { outcome, businessError, stats, logs };
  }
  const reason = pick([undefined, "fuel", "trap"] as const);
  return {
    outcome,
    error: { code: pick(["resource_exhausted", "internal"] as const), message: text(), reason },
    stats,
    logs,
  };
}

/** A random batch answer of `count` inputs: ran, refused or skipped each; or refused as a whole. */
function randomAnswer(next: () => number, count: number): BatchAnswer {
  const module = next() < 0.3 ? undefined : { version: next() < 0.5 ? "" : "12", sha256: "cd".repeat(32) };
  if (next() < 0.1)
    return { count, items: undefined, refusal: new ExtensionError("not_found", "no extension nope"), module };
  const items: BatchItem[] = Array.from({ length: count }, () => {
    const r = next();
    if (r < 0.8) return { result: randomResult(next), latencyMs: next() };
    const error = new ExtensionError(
      "deadline_exceeded",
      "the batch's deadline passed",
      r < 0.9 ? "timeout" : undefined,
    );
    return { error, latencyMs: next(), skipped: r < 0.9 };
  });
  return { count, items, refusal: undefined, module };
}

describe("statColumns()", () => {
  /** Each column's value of one run's stats, read one by one: the reference. */
  const OF: Array<(s: InvocationResult["stats"]) => number> = [
    (s) => s.fuelUsed,
    (s) => s.fuelLimit,
    (s) => s.peakMemoryBytes,
    (s) => s.memoryLimitBytes,
    (s) => Math.round(s.durationUs),
    (s) => s.outputBytes,
    (s) => s.hostCalls >>> 0,
  ];
  /** One column read input by input: each input's value (0 when it never ran), none when all are 0. */
  const column = (a: BatchAnswer, of: (s: InvocationResult["stats"]) => number) => {
    const values = Float64Array.from({ length: a.count }, (_, i) => {
      const s = resultAt(a, i)?.stats;
      return s ? of(s) : 0;
    });
    return values.some((v) => v !== 0) ? values : new Float64Array(0);
  };

  it("reads every column in one pass as reading each input's stats one by one does, on random batches", () => {
    const next = seededRandom(480);
    for (let k = 0; k < 200; k++) {
      const a = randomAnswer(next, Math.floor(next() * 9));
      expect(statColumns(a), `batch ${k}`).toEqual(
        OF.map((of, c) => ({ field: c + 1, values: column(a, of) })),
      );
    }
  });
});

describe("encodeBatchAnswer()", () => {
  it("writes the bytes toBinary writes for the answer's response, on random batches", () => {
    const next = seededRandom(479);
    for (const count of [0, 1, 2, 5, 50, 600, 1, 3, 40]) {
      const answer = randomAnswer(next, count);
      // Buffer.equals: a deep toEqual of megabytes takes minutes on a loaded machine.
      const ours = Buffer.from(encodeBatchAnswer(answer));
      const theirs = Buffer.from(toBinary(InvokeExtensionBatchResponseSchema, batchResponse(answer)));
      expect(ours.equals(theirs), `${count} results: ${ours.length} bytes, toBinary ${theirs.length}`).toBe(
        true,
      );
    }
  });

  it("writes each input as toBinary writes its response alone, and the batch's stats after them", () => {
    const next = seededRandom(12);
    for (let k = 0; k < 300; k++) {
      const answer = randomAnswer(next, 1);
      const one = encodeBatchAnswer({ ...answer, module: undefined });
      const theirs = toBinary(InvokeExtensionResponseSchema, batchResponse(answer).results[0] as never);
      // Field 1 (0x0a), its length, the result; then field 4, the stats.
      const lengthBytes = theirs.length < 128 ? 1 : theirs.length < 16_384 ? 2 : 3;
      expect(one[0]).toBe(0x0a);
      const body = one.subarray(1 + lengthBytes, 1 + lengthBytes + theirs.length);
      expect(Buffer.from(body).equals(theirs)).toBe(true);
      expect(one[1 + lengthBytes + theirs.length]).toBe(0x22);
    }
    const refused: BatchAnswer = {
      count: 1,
      items: undefined,
      refusal: new ExtensionError("not_found", "x"),
      module: undefined,
    };
    // Field 1 (length 16): code "not_found", message "x", outcome 3; field 4: stats, every list empty.
    expect([...encodeBatchAnswer(refused)]).toEqual([
      0x0a,
      16,
      0x12,
      9,
      ...new TextEncoder().encode("not_found"),
      0x1a,
      1,
      0x78,
      0x20,
      3,
      0x22,
      0,
    ]);
  });

  it("writes the stats as columns, a list left out when it is 0 for every input", () => {
    const stats = (fuelUsed: number, hostCalls: number) => ({
      fuelUsed,
      fuelLimit: 6_000_000_000_000,
      peakMemoryBytes: 65_536,
      memoryLimitBytes: 16 * 1024 * 1024,
      durationUs: 1.6,
      outputBytes: 2,
      outputLimitBytes: 65_536,
      hostCalls,
    });
    const ran = (fuelUsed: number, hostCalls = 0): BatchItem => ({
      result: { outcome: "ok", output: "{}", stats: stats(fuelUsed, hostCalls), logs: [] },
      latencyMs: 0.01,
    });
    const skipped: BatchItem = {
      error: new ExtensionError("deadline_exceeded", "late"),
      latencyMs: 0,
      skipped: true,
    };
    const answer: BatchAnswer = {
      count: 3,
      items: [ran(15_657), skipped, ran(2 ** 53 - 1)],
      refusal: undefined,
      module: { version: "1", sha256: "ab" },
    };
    const read = fromBinary(InvokeExtensionBatchResponseSchema, encodeBatchAnswer(answer)).stats;
    expect(read?.fuelUsed).toEqual([15_657, 0, 2 ** 53 - 1]);
    expect(read?.fuelLimit).toEqual([6e12, 0, 6e12]);
    expect(read?.durationUs).toEqual([2, 0, 2]);
    expect(read?.hostCalls).toEqual([]);
    expect(
      fromBinary(
        InvokeExtensionBatchResponseSchema,
        encodeBatchAnswer({ ...answer, items: [ran(1, 3)], count: 1 }),
      ).stats?.hostCalls,
    ).toEqual([3]);
    expect(read?.$unknown).toBeUndefined();
  });
});

describe("preEncoded()", () => {
  it("gives a message toBinary writes as exactly the bytes it was given, read back equal", () => {
    const next = seededRandom(7);
    for (const count of [0, 1, 50]) {
      const answer = randomAnswer(next, count);
      const bytes = encodeBatchAnswer(answer);
      const wire = toBinary(InvokeExtensionBatchResponseSchema, preEncoded(bytes));
      expect(Buffer.from(wire).equals(bytes)).toBe(true);
      // Read back as toBinary's own bytes read back (a lone surrogate comes back as U+FFFD either way).
      const schema = InvokeExtensionBatchResponseSchema;
      expect(fromBinary(schema, wire)).toEqual(fromBinary(schema, toBinary(schema, batchResponse(answer))));
    }
  });
});
