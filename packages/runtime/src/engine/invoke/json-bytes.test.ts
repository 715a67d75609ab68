import { describe, expect, it } from "vitest";
import { seededRandom } from "../../testing/seeded-random.js";
import { isJsonBytes } from "./json-bytes.js";

const encoder = new TextEncoder();
const strict = new TextDecoder("utf-8", { fatal: true });

/** What the engine accepted before isJsonBytes: the strict decoder, then JSON.parse. */
function parses(bytes: Uint8Array): boolean {
  try {
    JSON.parse(strict.decode(bytes));
    return true;
  } catch {
    return false;
  }
}

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 5 : 7));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return [0, -1, 1.5, -0.25e-7, 1e21, 123456789, 3.14][Math.floor(r() * 7)];
    case 3:
      return ["", "a", 'q"uote', "back\\slash", "\n\t\u0001", "é", "€", "😀", "\ud800"][Math.floor(r() * 9)];
    case 4:
      return "x".repeat(Math.floor(r() * 4));
    case 5:
      return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`k${i}`, value(r, depth + 1)]),
      );
  }
}

/** Bytes a mutation inserts or writes: JSON's own, look-alikes, controls, and UTF-8 good and broken. */
const ALPHABET = [
  ...encoder.encode('{}[]:,"\\/ \t\n\r0123456789-+.eEtrufalsn xbu'),
  0x00,
  0x01,
  0x1f,
  0x7f,
  0x80,
  0xbf,
  0xc0,
  0xc2,
  0xdf,
  0xe0,
  0xed,
  0xa0,
  0xef,
  0xf0,
  0xf4,
  0x8f,
  0x90,
  0xf5,
  0xff,
];

function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
  const out = Array.from(bytes);
  const times = 1 + Math.floor(r() * 3);
  for (let t = 0; t < times; t++) {
    const at = Math.floor(r() * (out.length + 1));
    const byte = ALPHABET[Math.floor(r() * ALPHABET.length)] as number;
    const op = r();
    if (op < 0.35) out.splice(at, 0, byte);
    else if (op < 0.7) out.splice(at, 1);
    else out[Math.min(at, Math.max(0, out.length - 1))] = byte;
  }
  return new Uint8Array(out);
}

/** Texts with a hole `_` for one byte: inside strings and escapes, in numbers and literals, between tokens, and cut short. */
const ONE_BYTE_TEMPLATES = [
  '"_"',
  '"a_b"',
  '"_é"',
  '"é_"',
  '"_',
  '"\\_"',
  '"\\u_000"',
  '"\\u00_0"',
  '"\\u000_"',
  '"\\u00_',
  "_",
  "_1",
  "1_",
  "-_",
  "-_1",
  "0_",
  "1_0",
  "1._",
  "1.5_",
  "0._1",
  "1e_",
  "1e_5",
  "1e+_",
  "1E-_",
  "t_ue",
  "tru_",
  "true_",
  "nul_",
  "null_",
  "fals_",
  "[_]",
  "[_1]",
  "[1_]",
  "[1_,2]",
  "[1,_2]",
  "[1,2_]",
  "{_}",
  '{_"a":1}',
  '{"a"_:1}',
  '{"a":_1}',
  '{"a":1_}',
  '{"a":1_,"b":2}',
  '{"a":1,_"b":2}',
  '{"_":1}',
  '[{"a":[_]}]',
  " _ ",
];

/** Bytes at the edges of UTF-8's ranges, for sequences of 3 and 4 bytes after each lead byte. */
const EDGES = [0x00, 0x22, 0x41, 0x5c, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff];

/** The texts among `texts` on which isJsonBytes and the strict decoder + JSON.parse disagree (none start with a BOM). */
function disagreements(texts: Iterable<number[]>): number[][] {
  const found: number[][] = [];
  for (const text of texts) {
    const bytes = new Uint8Array(text);
    const verdict = parses(bytes);
    // Judged alone, and as a range of a larger buffer between bytes that would change the verdict if read.
    const framed = new Uint8Array([0x7b, 0xff, ...text, 0x5d, 0x22]);
    if (isJsonBytes(bytes) !== verdict || isJsonBytes(framed, 2, 2 + text.length) !== verdict)
      found.push(text);
  }
  return found;
}

describe("isJsonBytes()", () => {
  it("accepts every JSON text JSON.stringify writes, spaced or not", () => {
    const r = seededRandom(1);
    for (let n = 0; n < 2000; n++) {
      const v = value(r, 0);
      for (const text of [JSON.stringify(v), ` \n${JSON.stringify(v, null, 2)}\t\r `]) {
        expect({ text, ok: isJsonBytes(encoder.encode(text)) }).toEqual({ text, ok: true });
      }
    }
  });

  it("refuses what JSON.parse refuses: edge cases by hand", () => {
    for (const text of [
      "",
      " ",
      "{",
      "}",
      "[1,]",
      '{"a":1,}',
      '{"a"}',
      '{"a" 1}',
      "{a:1}",
      "01",
      "-",
      "1.",
      ".5",
      "1e",
      "1e+",
      "+1",
      "tru",
      "nul",
      "True",
      "NaN",
      "Infinity",
      "'a'",
      '"a',
      '"\\x"',
      '"\\u12"',
      '"\\u12G4"',
      '"a\tb"',
      "1 2",
      "[1 2]",
      "{} {}",
      "\u00a01",
      "[][]",
    ])
      expect({ text, ok: isJsonBytes(encoder.encode(text)) }).toEqual({
        text,
        ok: parses(encoder.encode(text)),
      });
  });

  it("refuses malformed UTF-8 in a string, which the strict decoder refuses", () => {
    for (const bytes of [
      [0x22, 0x80, 0x22],
      [0x22, 0xc0, 0xaf, 0x22],
      [0x22, 0xe0, 0x80, 0xaf, 0x22],
      [0x22, 0xed, 0xa0, 0x80, 0x22],
      [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22],
      [0x22, 0xf5, 0x80, 0x80, 0x80, 0x22],
      [0x22, 0xe2, 0x82, 0x22],
    ])
      expect(isJsonBytes(new Uint8Array(bytes))).toBe(false);
    expect(isJsonBytes(encoder.encode('"é € 😀"'))).toBe(true);
  });

  it("agrees with the strict decoder and JSON.parse on 40,000 mutated texts (a text with a byte order mark aside)", () => {
    const r = seededRandom(7);
    let refused = 0;
    for (let n = 0; n < 40_000; n++) {
      const bytes = mutate(encoder.encode(JSON.stringify(value(r, 0))), r);
      const expected = parses(bytes);
      const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
      if (!expected) refused++;
      if (bom) expect(isJsonBytes(bytes)).toBe(false);
      else
        expect({ bytes: Array.from(bytes), ok: isJsonBytes(bytes) }).toEqual({
          bytes: Array.from(bytes),
          ok: expected,
        });
    }
    // The mutations made both kinds, many of each.
    expect(refused).toBeGreaterThan(10_000);
    expect(refused).toBeLessThan(35_000);
  });

  it("agrees with the strict decoder and JSON.parse on every byte value in every place of a text", () => {
    function* texts() {
      for (const template of ONE_BYTE_TEMPLATES) {
        const [before, after] = template.split("_").map((part) => Array.from(encoder.encode(part)));
        for (let x = 0; x < 256; x++) yield [...(before as number[]), x, ...(after as number[])];
      }
    }
    expect(disagreements(texts())).toEqual([]);
  });

  it("agrees on every pair of bytes, alone and inside a string, and on every lead byte with edge continuations", () => {
    function* texts() {
      for (let x = 0; x < 256; x++)
        for (let y = 0; y < 256; y++) {
          yield [x, y];
          yield [0x22, x, y, 0x22];
          yield [0x22, x, y];
        }
      for (let x = 0xc0; x < 256; x++)
        for (const y of EDGES)
          for (const z of EDGES) {
            yield [0x22, x, y, z, 0x22];
            for (const w of EDGES) yield [0x22, x, y, z, w, 0x22];
          }
    }
    expect(disagreements(texts())).toEqual([]);
  });

  it("checks nesting deeper than its first stack, and refuses a byte order mark (JSON.parse then decides)", () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    expect(isJsonBytes(encoder.encode(deep))).toBe(true);
    expect(isJsonBytes(encoder.encode(`${"[".repeat(5000)}${"]".repeat(4999)}`))).toBe(false);
    expect(isJsonBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x31]))).toBe(false);
  });
});
