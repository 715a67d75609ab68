// Hostile answers that are (nearly) valid protobuf: each is a coded error or a defined value (red team, #12).
import { ExtensionError } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { readBatchAnswer, readInvokeAnswer } from "./read-answer.js";

const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const len = (field: number, bytes: number[]): number[] => [
  (field << 3) | 2,
  ...varint(bytes.length),
  ...bytes,
];
const text = (s: string): number[] => [...new TextEncoder().encode(s)];

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ExtensionError) return `${e.code}/${e.reason}`;
    return `raw ${(e as Error).name}`;
  }
  return "no error";
}
const one = (bytes: number[]) => () => readInvokeAnswer(new Uint8Array(bytes));
const batch = (bytes: number[], sent: number) => () => readBatchAnswer(new Uint8Array(bytes), sent);

describe("hostile answers", () => {
  it("a 100 MB bytes field announced with few bytes behind it is invalid_output", () => {
    expect(codeOf(one([0x0a, ...varint(100_000_000), 1, 2, 3]))).toBe("internal/invalid_output");
    expect(codeOf(batch([0x0a, ...varint(100_000_000), 1, 2, 3], 1))).toBe("internal/invalid_output");
  });
  it("an 11-byte varint, field 0, wire types 6 and 7 are invalid_output", () => {
    expect(codeOf(one([0x20, ...Array(10).fill(0xff), 0x01]))).toBe("internal/invalid_output");
    expect(codeOf(one([0x00, 0x01]))).toBe("internal/invalid_output");
    expect(codeOf(one([(15 << 3) | 6, 0x01]))).toBe("internal/invalid_output");
    expect(codeOf(one([(15 << 3) | 7, 0x01]))).toBe("internal/invalid_output");
    expect(codeOf(batch([(15 << 3) | 7, 0x01], 0))).toBe("internal/invalid_output");
    expect(codeOf(one([(15 << 3) | 4]))).toBe("internal/invalid_output");
  });
  it("a tag varint of 5 bytes with high bits set is read or refused, never thrown raw", () => {
    expect(codeOf(one([0xff, 0xff, 0xff, 0xff, 0x7f, 0x00]))).not.toMatch(/^raw/);
    expect(codeOf(one([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).not.toMatch(/^raw/);
  });
  it("a million tiny unknown fields are skipped in linear time", () => {
    const bytes = new Array<number>(2_000_000);
    for (let i = 0; i < bytes.length; i += 2) {
      bytes[i] = (20 << 3) | 0;
      bytes[i + 1] = 1;
    }
    const t = Date.now();
    // outcome 0 (unspecified) reads as a technical error: thrown coded
    expect(codeOf(one(bytes))).toBe("internal/undefined");
    expect(Date.now() - t).toBeLessThan(5000);
  });
  it("an ok result whose output is UTF-8 but not JSON is invalid_output", () => {
    expect(codeOf(one([...len(1, text("not json {")), 0x20, 1]))).toBe("internal/invalid_output");
    expect(codeOf(batch(len(1, [...len(1, text("<html>")), 0x20, 1]), 1))).toBe("internal/invalid_output");
    expect(codeOf(batch(len(1, [...len(1, [0xff, 0xfe]), 0x20, 1]), 1))).toBe("internal/invalid_output");
  });
  it("a business error whose details are not JSON is invalid_output", () => {
    expect(codeOf(one([0x20, 2, ...len(9, text("{{"))]))).toBe("internal/invalid_output");
  });
  it("an unknown outcome number reads as a technical error", () => {
    expect(codeOf(one([0x20, ...varint(99)]))).toBe("internal/undefined");
    expect(codeOf(one([0x20, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toBe("internal/undefined");
  });
  it("duplicate stats columns, columns of the wrong length, nested groups too deep: defined or invalid_output", () => {
    const ok = len(1, [...len(1, text("1")), 0x20, 1]);
    const col = (f: number, n: number) => len(f, new Array(8 * n).fill(0));
    const dup = [...ok, ...len(4, [...col(1, 1), ...col(1, 3)]), ...len(4, col(1, 2))];
    expect(codeOf(batch(dup, 1))).toBe("no error");
    expect(codeOf(batch([...ok, ...len(4, len(1, [1, 2, 3]))], 1))).toBe("internal/invalid_output");
    expect(codeOf(batch([...ok, ...len(4, [(7 << 3) | 2, 2, 0x80, 0x80])], 1))).toBe(
      "internal/invalid_output",
    );
    const deep: number[] = [];
    for (let i = 0; i < 40; i++) deep.push((20 << 3) | 3);
    for (let i = 0; i < 40; i++) deep.push((20 << 3) | 4);
    expect(codeOf(one(deep))).toBe("internal/invalid_output");
    const deepLong: number[] = [];
    for (let i = 0; i < 200_000; i++) deepLong.push((20 << 3) | 3);
    expect(codeOf(one(deepLong))).toBe("internal/invalid_output");
  });
  it("a log line flood and a result flood are invalid_output", () => {
    const logs: number[] = [];
    for (let i = 0; i < 1001; i++) logs.push(...len(8, []));
    expect(codeOf(one(logs))).toBe("internal/invalid_output");
    const results: number[] = [];
    for (let i = 0; i < 3; i++) results.push(...len(1, []));
    expect(codeOf(batch(results, 2))).toBe("internal/invalid_output");
    expect(codeOf(batch(results, 4))).toBe("internal/invalid_output");
  });
  it("a result cut inside a nested message (a varint running past its end) is invalid_output", () => {
    expect(codeOf(one([...len(7, [0x08, 0x80]), 0x01]))).toBe("internal/invalid_output");
    expect(codeOf(one([...len(8, [0x08, 0x80]), 0x01]))).toBe("internal/invalid_output");
    expect(codeOf(batch([...len(1, [0x20, 0x80]), 0x01], 1))).toBe("internal/invalid_output");
    expect(codeOf(one([(20 << 3) | 1, 1, 2, 3]))).toBe("internal/invalid_output");
    expect(codeOf(one([(20 << 3) | 5, 1]))).toBe("internal/invalid_output");
  });
});
