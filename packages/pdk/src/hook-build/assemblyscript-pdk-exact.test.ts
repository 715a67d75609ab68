/**
 * The PDK's fast paths (issue #12) against JavaScript, through real builds:
 * UTF-8 lifting and lowering (ASCII word at a time, anything else by the
 * standard library), number parsing (Clinger's fast path before the bignums)
 * and number printing (exact scaled candidates before the bignums). Every
 * case must give exactly what `Number(text)`, `String(x)` and
 * `JSON.stringify` give.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCore } from "../testing/core-test-host.js";
import { type BuiltHookCores, buildHookCores, RICH_HOOK } from "../testing/hook-fixtures.js";
import { seededRandom } from "../testing/seeded-random.js";

/** Echoes its input; with `"text"` around it, returns the decoded JSON string instead (lone surrogates and all). */
const TEXT_HOOK = `import { JSON } from "@ameide-ext/pdk";

export function run(input: string): string {
  if (input.length > 0 && input.charCodeAt(0) == 0x22) return JSON.parse(input).asString();
  return input;
}
`;

let text: Uint8Array;
let rich: Uint8Array;
let built: BuiltHookCores | undefined;

beforeAll(async () => {
  built = await buildHookCores([TEXT_HOOK, RICH_HOOK]);
  [text, rich] = built.cores as [Uint8Array, Uint8Array];
});
afterAll(() => built?.remove());

function ok(core: Uint8Array, input: string): string {
  const run = runCore(core, input);
  if (run.result === undefined || !("ok" in run.result))
    throw new Error(`expected ok, got ${JSON.stringify(run)}`);
  return run.result.ok;
}

/** The double whose bits are `hi:lo`. */
function fromBits(hi: number, lo: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, hi >>> 0);
  view.setUint32(4, lo >>> 0);
  return view.getFloat64(0);
}

/** `x` and its neighbours one and two ulps away on both sides (positive finite x). */
function neighbours(x: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const out: number[] = [];
  for (const d of [-2n, -1n, 0n, 1n, 2n]) {
    const b = bits + d;
    if (b < 0n || b >= 0x7ff0000000000000n) continue;
    view.setBigUint64(0, b);
    out.push(view.getFloat64(0));
  }
  return out;
}

const EDGE_NUMBERS = [
  0.1 + 0.2,
  0.1,
  0.2,
  0.3,
  1 / 3,
  2 / 3,
  5e-324,
  1e-323,
  2.2250738585072014e-308,
  2.225073858507201e-308,
  1.7976931348623157e308,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 53 - 0.5,
  2 ** 52 + 0.5,
  1e21,
  1e21 - 65536,
  9.999999999999999e20,
  1e-7,
  1.0000000000000001e-7,
  Number("9.999999999999999e-8"),
  1e-6,
  123456789012345.6,
  Number("12345678901234567"),
  0.000001234,
  4.35,
  0.07,
  1.005,
  2.675,
  1.15,
  8.125,
  14.93,
  1e15,
  999999999999999.9,
  1e16,
  123.456e-300,
  Math.PI,
  Math.E,
  Number.EPSILON,
];

describe("UTF-8 lifting and lowering", () => {
  it("echoes ASCII and non-ASCII inputs byte for byte, whatever the position of the first non-ASCII character", () => {
    for (const special of ["é", "中", "😀", "\u0080", "\u07ff", "\u0800", "\uffff"]) {
      for (let before = 0; before <= 18; before++) {
        for (const after of [0, 1, 3, 7, 8, 9]) {
          const input = `${"a".repeat(before)}${special}${"b".repeat(after)}`;
          expect(ok(text, input)).toBe(input);
        }
      }
    }
    for (let n = 0; n <= 40; n++) {
      const input = "0123456789abcdefghijklmnopqrstuvwxyz{}[]:".slice(0, n);
      expect(ok(text, input)).toBe(input);
    }
  });

  it("lowers lone surrogates to U+FFFD, at any position, as the component model requires", () => {
    for (let before = 0; before <= 10; before++) {
      for (const lone of ["\\ud800", "\\udfff", "\\ud83d"]) {
        const literal = `"${"x".repeat(before)}${lone}y"`;
        const expected = new TextDecoder().decode(new TextEncoder().encode(JSON.parse(literal) as string));
        expect(ok(text, literal)).toBe(expected);
      }
    }
  });
});

describe("strings, word at a time", () => {
  it("reads and writes strings with a special character at every position of a 4-unit word, like JSON.parse and JSON.stringify", () => {
    const specials = [
      '\\"',
      "\\\\",
      "\\n",
      "\\u0001",
      "\\u001f",
      " ",
      "\\u007f",
      "é",
      "\\u2028",
      "😀",
      "\\ud800",
      "\\udfff",
      "\\/",
    ];
    const documents: string[] = [];
    for (const special of specials) {
      for (let before = 0; before <= 9; before++) {
        for (const after of [0, 1, 2, 3, 4, 5]) {
          const literal = `"${"a".repeat(before)}${special}${"b".repeat(after)}"`;
          documents.push(`{${literal}:${literal}}`, `[${literal}]`);
        }
      }
    }
    for (const text of documents) {
      expect(ok(rich, JSON.stringify({ op: "parse", text }))).toBe(JSON.stringify(JSON.parse(text)));
    }
  });

  it("finds keys of equal length and of every length, and keeps the last of duplicate keys in the first one's place", () => {
    const keys = Array.from({ length: 40 }, (_, i) => "k".repeat(i + 1));
    const text = `{${keys.map((k, i) => `"${k}":${i}`).join(",")},"kk":"again","abcd":1,"abce":2,"abcd":3}`;
    expect(ok(rich, JSON.stringify({ op: "parse", text }))).toBe(JSON.stringify(JSON.parse(text)));
  });
});

describe("numbers, exactly as JavaScript", () => {
  it("prints edge values and their neighbours like String(x)", () => {
    const numbers = EDGE_NUMBERS.flatMap((x) => neighbours(x)).flatMap((x) => [x, -x]);
    expect(ok(rich, JSON.stringify({ op: "roundtrip", value: numbers }))).toBe(JSON.stringify(numbers));
  });

  it("prints random cents amounts, short decimals and random bit patterns like String(x)", () => {
    const random = seededRandom(12);
    const numbers: number[] = [];
    for (let i = 0; i < 3000; i++) {
      numbers.push(Math.round(random() * 1e7) / 100);
      numbers.push(Math.round(random() * 1e6) / 10 ** Math.floor(random() * 12));
      numbers.push(Math.floor(random() * 2 ** 53) / 10 ** Math.floor(random() * 25));
      numbers.push(Math.floor(random() * 1e15) * 10 ** Math.floor(random() * 30 - 15));
      const x = fromBits(random() * 2 ** 32, random() * 2 ** 32);
      if (Number.isFinite(x)) numbers.push(x);
      numbers.push(fromBits(random() * 2 ** 20, random() * 2 ** 32)); // subnormals and tiny normals
    }
    expect(ok(rich, JSON.stringify({ op: "roundtrip", value: numbers }))).toBe(JSON.stringify(numbers));
  });

  it("parses edge texts like Number(text): halfway cases, long mantissas, 2^53±1, subnormals", () => {
    const texts = [
      "9007199254740991",
      "9007199254740992",
      "9007199254740993",
      "9007199254740993.0",
      "9007199254740992.5",
      "9007199254740993.5",
      "4503599627370496.5",
      "4503599627370497.5",
      "0.30000000000000004",
      "0.3",
      "5e-324",
      "2.5e-324",
      "2.4703282292062328e-324",
      "1e21",
      "1e22",
      "1e23",
      "8.98846567431158e307",
      "123456789012345.6",
      "1234567890123456.7",
      "123456789012345678",
      "0.000000000000000000001",
      "1.00000000000000011102230246251565404236316680908203125",
      "1.00000000000000011102230246251565404236316680908203124",
      "1.00000000000000011102230246251565404236316680908203126",
      "2.675",
      "14.93",
      "-0.0",
      "-0",
      "0e10",
      "1E-7",
      "1.5e+3",
      "100000000000000000000000e-23",
      "0.0000000000000000000000000000001e31",
    ];
    const random = seededRandom(53);
    for (let i = 0; i < 2000; i++) {
      const digits = 1 + Math.floor(random() * 20);
      const mantissa = Array.from({ length: digits }, () => Math.floor(random() * 10)).join("");
      const point = Math.floor(random() * (digits + 1));
      const exponent = Math.floor(random() * 60) - 30;
      const body = `${mantissa.slice(0, point) || "0"}.${mantissa.slice(point) || "0"}`.replace(
        /^0+(?=\d)/,
        "",
      );
      texts.push(random() < 0.5 ? body : `${body}e${exponent}`);
      texts.push(`${Math.floor(random() * 1e6)}.${String(Math.floor(random() * 100)).padStart(2, "0")}`);
    }
    const valid = texts.filter((t) => /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(t));
    expect(valid.length).toBeGreaterThan(4000);
    expect(ok(rich, JSON.stringify({ op: "numbers", texts: valid }))).toBe(JSON.stringify(valid.map(Number)));
  });

  it("reads numbers inside documents like JSON.parse, then writes them like JSON.stringify", () => {
    const random = seededRandom(21);
    const lines = Array.from({ length: 500 }, (_, i) => ({
      lineId: `L-${i}`,
      qty: 1 + Math.floor(random() * 1000),
      unitPrice: Math.round(random() * 1e6) / 100,
      discountPct: Math.round(random() * 300) / 10,
      taxRatePct: [0, 5.5, 9, 21][i % 4],
      big: Math.floor(random() * 2 ** 53) * (random() < 0.5 ? -1 : 1),
      tiny: random() * 1e-10,
    }));
    const text = JSON.stringify(lines);
    expect(ok(rich, JSON.stringify({ op: "parse", text }))).toBe(text);
  });
});
