import { ExtensionError } from "@ameide-ext/contract";
import {
  BatchStatsSchema,
  type InvokeExtensionBatchResponse,
  InvokeExtensionBatchResponseSchema,
  type InvokeExtensionResponse,
  InvokeExtensionResponseSchema,
  type LogLevel,
  Outcome,
} from "@ameide-ext/proto";
import { seededRandom } from "@ameide-ext/runtime/testing";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { readBatchResponse } from "./invoke-many.js";
import { readBatchAnswer, readInvokeAnswer } from "./read-answer.js";
import { readResponse } from "./read-response.js";

const encoder = new TextEncoder();
type ResultInit = MessageInitShape<typeof InvokeExtensionResponseSchema>;

/** A random answer of `n` results: every outcome, logs, own stats or none, strings multi-byte, numbers at varint edges. */
function randomAnswer(next: () => number, n: number): InvokeExtensionBatchResponse {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const text = () => pick(["", "a", "x".repeat(130), "prix: 12 €", "日本語", "😀", "r".repeat(3000)]);
  const big = () =>
    pick([0n, 1n, 127n, 128n, 16_384n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 64n - 1n]);
  const u32 = () => pick([0, 1, 127, 128, 2 ** 31, 2 ** 32 - 1]);
  const json = () =>
    pick(['{"net":1.5,"lineId":"L-1"}', "[]", "0", '"s"', "null", `{"t":${JSON.stringify(text())}}`]);
  const results: ResultInit[] = Array.from({ length: n }, () => {
    const r: ResultInit = {
      outcome: pick([
        Outcome.OK,
        Outcome.OK,
        Outcome.BUSINESS_ERROR,
        Outcome.TECHNICAL_ERROR,
        0,
        7,
      ]) as Outcome,
      resolvedVersion: pick(["", "", "2"]),
      moduleSha256: pick(["", "", "ab".repeat(32)]),
      logs: Array.from({ length: pick([0, 0, 1, 3]) }, () => ({
        level: pick([0, 1, 2, 3, 4, 9]) as LogLevel,
        message: text(),
      })),
    };
    if (r.outcome === Outcome.OK)
      r.outputJson = pick([
        encoder.encode(json()),
        encoder.encode(json()),
        // A byte order mark (TextDecoder drops it), malformed UTF-8 inside a string, and outputs that are not JSON.
        new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
        new Uint8Array([0x22, 0xff, 0xc0, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x22]),
        new Uint8Array([0xef, 0xbb, 0x22, 0x22]),
        encoder.encode("{oops"),
        new Uint8Array(0),
      ]);
    else {
      r.errorCode = pick(["", "MARGIN_TOO_LOW", "resource_exhausted", "not_found", "made_up"]);
      r.errorMsg = text();
      r.errorReason = pick(["", "fuel", "timeout", "no_such_reason"]);
      if (next() < 0.5) r.errorDetailsJson = encoder.encode(json());
    }
    if (next() < 0.3)
      r.stats = {
        fuelUsed: big(),
        fuelLimit: big(),
        peakMemoryBytes: big(),
        memoryLimitBytes: big(),
        durationUs: big(),
        outputBytes: big(),
        hostCalls: u32(),
      };
    return r;
  });
  const column = () =>
    Array.from({ length: pick([0, n, Math.floor(n / 2)]) }, () => pick([0, 1.5, 2 ** 40, 2 ** 53 - 1]));
  return create(InvokeExtensionBatchResponseSchema, {
    results,
    resolvedVersion: pick(["", "1", "12"]),
    moduleSha256: pick(["", "cd".repeat(32)]),
    stats:
      next() < 0.2
        ? undefined
        : {
            fuelUsed: column(),
            fuelLimit: column(),
            peakMemoryBytes: column(),
            memoryLimitBytes: column(),
            durationUs: column(),
            outputBytes: column(),
            hostCalls: Array.from({ length: pick([0, n]) }, () => u32()),
          },
  });
}

/** What invokeMany returned before: protobuf-es's decoder, then readBatchResponse. */
function expected(bytes: Uint8Array, sent: number) {
  return readBatchResponse(fromBinary(InvokeExtensionBatchResponseSchema, bytes), sent);
}

function outcomeOf(run: () => unknown): unknown {
  try {
    return { value: run() };
  } catch (cause) {
    const e = cause as ExtensionError;
    return { error: { code: e.code, reason: e.reason, message: e.message } };
  }
}

describe("readBatchAnswer and readInvokeAnswer", () => {
  it("reads random answers as protobuf-es's decoder and readBatchResponse do", () => {
    const next = seededRandom(12);
    for (let k = 0; k < 300; k++) {
      const n = Math.floor(next() * 12);
      const bytes = toBinary(InvokeExtensionBatchResponseSchema, randomAnswer(next, n));
      expect(
        outcomeOf(() => readBatchAnswer(bytes, n)),
        `answer ${k}`,
      ).toEqual(outcomeOf(() => expected(bytes, n)));
    }
  });

  it("merges an answer given in two parts, as protobuf does (results appended, columns concatenated, strings last)", () => {
    const next = seededRandom(7);
    for (let k = 0; k < 100; k++) {
      const [a, b] = [randomAnswer(next, 3), randomAnswer(next, 2)];
      const bytes = new Uint8Array([
        ...toBinary(InvokeExtensionBatchResponseSchema, a),
        ...toBinary(InvokeExtensionBatchResponseSchema, b),
      ]);
      expect(
        outcomeOf(() => readBatchAnswer(bytes, 5)),
        `answer ${k}`,
      ).toEqual(outcomeOf(() => expected(bytes, 5)));
    }
  });

  it("reads unpacked columns, stats given twice and unknown fields of every wire type", () => {
    const ok = toBinary(
      InvokeExtensionResponseSchema,
      create(InvokeExtensionResponseSchema, { outcome: Outcome.OK, outputJson: encoder.encode("{}") }),
    );
    const w = new BinaryWriter();
    w.tag(1, WireType.LengthDelimited).bytes(ok);
    w.tag(1, WireType.LengthDelimited)
      .fork()
      .tag(4, WireType.Varint)
      .int32(Outcome.OK)
      .tag(1, WireType.LengthDelimited)
      .bytes(encoder.encode("[1]"))
      .tag(7, WireType.LengthDelimited)
      .fork()
      .tag(1, WireType.Varint)
      .uint64(5n)
      .join()
      .tag(7, WireType.LengthDelimited)
      .fork()
      .tag(2, WireType.Varint)
      .uint64(9n)
      .tag(99, WireType.Varint)
      .uint32(1)
      .join()
      .tag(50, WireType.Bit32)
      .fixed32(1)
      .tag(51, WireType.Bit64)
      .fixed64(1n)
      .tag(52, WireType.StartGroup)
      .tag(1, WireType.Varint)
      .uint32(3)
      .tag(52, WireType.EndGroup)
      .join();
    w.tag(4, WireType.LengthDelimited)
      .fork()
      .tag(1, WireType.Bit64)
      .double(3)
      .tag(1, WireType.Bit64)
      .double(4)
      .tag(7, WireType.Varint)
      .uint32(8)
      .tag(7, WireType.LengthDelimited)
      .fork()
      .uint32(1)
      .join()
      .tag(60, WireType.LengthDelimited)
      .bytes(new Uint8Array([1, 2]))
      .join();
    w.tag(1000, WireType.Varint).uint64(2n ** 63n);
    const bytes = w.finish();
    const got = readBatchAnswer(bytes, 2);
    expect(got).toEqual(expected(bytes, 2));
    expect(got.results.map((r) => r.stats.fuelUsed)).toEqual([3, 5]);
    expect(got.results.map((r) => [r.stats.hostCalls, r.stats.fuelLimit])).toEqual([
      [8, 0],
      [0, 9],
    ]);
  });

  it("reads single answers as protobuf-es's decoder and readResponse do (a technical error thrown)", () => {
    const next = seededRandom(21);
    for (let k = 0; k < 300; k++) {
      const [one] = randomAnswer(next, 1).results;
      const bytes = toBinary(InvokeExtensionResponseSchema, one as InvokeExtensionResponse);
      expect(
        outcomeOf(() => readInvokeAnswer(bytes)),
        `answer ${k}`,
      ).toEqual(outcomeOf(() => readResponse(fromBinary(InvokeExtensionResponseSchema, bytes))));
    }
  });

  it("caps what a hostile answer makes it hold: results past the inputs sent, columns past them, log lines", () => {
    // A million empty results for 3 inputs: refused at the 4th, not after a million spans.
    const flood = new Uint8Array(2_000_000);
    for (let i = 0; i < flood.length; i += 2) flood[i] = 0x0a;
    expect(() => readBatchAnswer(flood, 3)).toThrow(/more than the 3 inputs sent/);
    // A result with 5,000 empty log lines: over the cap of log lines one result may carry.
    const result = new Uint8Array(5000 * 2 + 2);
    result.set([0x20, 0x01]);
    for (let i = 2; i < result.length; i += 2) result[i] = 0x42;
    const w = new BinaryWriter();
    w.tag(1, WireType.LengthDelimited).bytes(result);
    expect(() => readBatchAnswer(w.finish(), 1)).toThrow(/more than 1000 log lines/);
    // Columns longer than the results: their extra entries are not kept (readBatchResponse ignores them too).
    const long = new BinaryWriter();
    long
      .tag(1, WireType.LengthDelimited)
      .bytes(
        toBinary(
          InvokeExtensionResponseSchema,
          create(InvokeExtensionResponseSchema, { outcome: Outcome.OK, outputJson: encoder.encode("1") }),
        ),
      );
    long
      .tag(4, WireType.LengthDelimited)
      .bytes(
        toBinary(
          BatchStatsSchema,
          create(BatchStatsSchema, { fuelUsed: Array.from({ length: 100_000 }, (_, i) => i + 1) }),
        ),
      );
    const bytes = long.finish();
    expect(readBatchAnswer(bytes, 1)).toEqual(expected(bytes, 1));
  });

  it("refuses a count of results other than the inputs sent, as readBatchResponse does", () => {
    const bytes = toBinary(InvokeExtensionBatchResponseSchema, randomAnswer(seededRandom(1), 3));
    expect(() => readBatchAnswer(bytes, 4)).toThrow(
      expect.objectContaining({ code: "internal", reason: "invalid_output" }),
    );
  });

  it("refuses malformed answers with internal/invalid_output, never another error, a hang or a read past the end", () => {
    const next = seededRandom(99);
    const base = toBinary(InvokeExtensionBatchResponseSchema, randomAnswer(next, 6));
    const cases: Uint8Array[] = [
      new Uint8Array([0x0a, 0x80]), // a length cut short
      new Uint8Array([0x0a, 0x05, 0x01]), // a length past the end
      new Uint8Array([0x08, 0x01]), // results as a varint
      new Uint8Array([0x00, 0x01]), // field 0
      new Uint8Array([0x0f]), // wire type 7
      new Uint8Array([0xf8, ...new Array(10).fill(0xff), 0x01]), // a varint over 10 bytes
      new Uint8Array([0x0a, 0x02, 0x0a, 0x05]), // a result's output past the result's end
      new Uint8Array([0x22, 0x03, 0x0a, 0x01, 0x00]), // a packed double column of 1 byte
      new Uint8Array([...new Array(40).fill(0x0b), 0x0c]), // groups nested 40 deep
    ];
    for (let k = 0; k < 400; k++) {
      const cut = base.slice(0, Math.floor(next() * base.length));
      const flipped = base.slice();
      flipped[Math.floor(next() * base.length)] ^= 1 << Math.floor(next() * 8);
      cases.push(cut, flipped);
    }
    for (const bytes of cases) {
      try {
        readBatchAnswer(bytes, 6);
      } catch (cause) {
        expect(cause).toBeInstanceOf(ExtensionError);
        expect((cause as ExtensionError).code).toBe("internal");
        expect((cause as ExtensionError).reason).toBe("invalid_output");
      }
    }
    // A packed double column whose length is no multiple of 8, inside a longer stats message: named as such.
    expect(() =>
      readBatchAnswer(new Uint8Array([0x22, 0x0c, 0x0a, 0x01, 0x00, 0x11, ...new Array(8).fill(0)]), 0),
    ).toThrow(/packed double column of 1 bytes/);
    for (const bytes of cases.slice(0, 9))
      expect(() => readBatchAnswer(bytes, 1), `case ${[...bytes].join(",")}`).toThrow(ExtensionError);
  });
});
