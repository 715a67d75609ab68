/**
 * The AssemblyScript PDK (`assembly/`), exercised through real builds: each
 * hook's core module runs in a tiny test host that implements the canonical
 * ABI by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallHandler, type CoreRun, instantiateCore, runCore } from "../testing/core-test-host.js";
import { type BuiltHookCores, buildHookCores, ECHO_HOOK, RICH_HOOK } from "../testing/hook-fixtures.js";
import { seededRandom } from "../testing/seeded-random.js";

let echo: Uint8Array;
let rich: Uint8Array;
let built: BuiltHookCores | undefined;

beforeAll(async () => {
  built = await buildHookCores([ECHO_HOOK, RICH_HOOK]);
  [echo, rich] = built.cores as [Uint8Array, Uint8Array];
});
afterAll(() => built?.remove());

/** Runs the rich hook with `request` (serialized) and returns the outcome. */
function call(request: unknown, onCall?: CallHandler): CoreRun {
  return runCore(rich, JSON.stringify(request), onCall);
}

function ok(run: CoreRun): string {
  if (run.result === undefined || !("ok" in run.result))
    throw new Error(`expected ok, got ${JSON.stringify(run)}`);
  return run.result.ok;
}

function err(run: CoreRun): { code: string; message: string; details?: unknown } {
  if (run.result === undefined || !("err" in run.result))
    throw new Error(`expected err, got ${JSON.stringify(run)}`);
  return JSON.parse(run.result.err) as { code: string; message: string; details?: unknown };
}

/** Where `text` starts in the rich hook's source, as `file:line:column`. */
function richLocation(text: string): string {
  const at = RICH_HOOK.indexOf(text);
  const before = RICH_HOOK.slice(0, at);
  const line = before.split("\n").length;
  const column = at - before.lastIndexOf("\n");
  return `src/index.ts:${line}:${column}`;
}

describe("the minimal hook", () => {
  it("echoes its input, byte for byte", () => {
    const input = '{"a":[1,2.5,"x"],"é":"😀 \\u0000"}';
    expect(runCore(echo, input)).toEqual({ result: { ok: input }, trap: undefined, logs: [], calls: [] });
  });
});

describe("JSON", () => {
  it("round-trips documents exactly as JSON.stringify(JSON.parse(text)) does", () => {
    const documents = [
      "null",
      "true",
      "false",
      "0",
      "-0",
      "[]",
      "{}",
      '""',
      ' { "a" : [ 1 , 2 , { "b" : null } ] , "c" : "d" } ',
      '{"esc":"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0001 \\u001f \\u007f"}',
      '{"unicode":"é ü ß 中文 😀 \\u00e9 \\u4e2d \\ud83d\\ude00"}',
      '{"lone":"\\ud800 \\udfff x\\ud83d"}',
      '{"nested":{"a":{"b":{"c":[[[[{"d":[]}]]]]}}}}',
      '{"dup":1,"other":2,"dup":3}',
      "[1.5,-2.25e-7,1e21,1e-7,123456789012,0.1,5e-324,1.7976931348623157e308,1E2,1.0,12.50,-0.0]",
      "[0.30000000000000004,100,1e300,2.5e-320,9007199254740991,4.35,0.000001,1e-6]",
      '{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k1":11}',
    ];
    for (const text of documents) {
      expect(ok(call({ op: "roundtrip", value: JSON.parse(text) }))).toBe(JSON.stringify(JSON.parse(text)));
      expect(ok(call({ op: "parse", text }))).toBe(JSON.stringify(JSON.parse(text)));
    }
  });

  it("prints any double like JavaScript (shortest round-trip digits)", () => {
    const random = seededRandom(479);
    const view = new DataView(new ArrayBuffer(8));
    const numbers: number[] = [];
    for (let i = 0; i < 4000; i++) {
      view.setUint32(0, (random() * 2 ** 32) >>> 0);
      view.setUint32(4, (random() * 2 ** 32) >>> 0);
      const bits = view.getFloat64(0);
      const candidates = [
        bits,
        random() * 10 ** Math.floor(random() * 40 - 20),
        Math.round(random() * 1e6) / 100,
      ];
      for (const x of candidates) if (Number.isFinite(x)) numbers.push(x);
    }
    expect(ok(call({ op: "roundtrip", value: numbers }))).toBe(JSON.stringify(numbers));
  });

  it("parses number text to the nearest double, as Number(text) does", () => {
    const texts = [
      "2.2250738585072011e-308",
      "2.2250738585072012e-308",
      "4.9406564584124654e-324",
      "2.4703282292062327e-324",
      "2.4703282292062328e-324",
      "1.7976931348623157e308",
      "1.7976931348623158e308",
      "1.7976931348623159e308",
      "9007199254740993.0",
      "9007199254740995.0",
      "0.1000000000000000055511151231257827021181583404541015625",
      "123456789012345678901234567890",
      "1e-400",
      "1e400",
      `0.${"0".repeat(300)}1`,
      `${"9".repeat(800)}e-500`,
      `1${"0".repeat(790)}1e-790`,
    ];
    const random = seededRandom(1075);
    for (let i = 0; i < 300; i++) {
      const digits = Array.from({ length: Math.floor(random() * 30) }, () => Math.floor(random() * 10)).join(
        "",
      );
      texts.push(`${1 + Math.floor(random() * 9)}${digits}e${Math.floor(random() * 700) - 350}`);
    }
    const expected = JSON.stringify(texts.map(Number));
    expect(ok(call({ op: "numbers", texts }))).toBe(expected);
  });

  it("keeps integer literals exact, even beyond 2^53", () => {
    const input =
      '{"op":"roundtrip","value":[9007199254740993,-9223372036854775808,9223372036854775807,12345678901234567890]}';
    expect(ok(runCore(rich, input))).toBe(
      "[9007199254740993,-9223372036854775808,9223372036854775807,12345678901234567000]",
    );
    const integers = '{"op":"integers","values":[9007199254740993,-7.9,1e300,"x",3]}';
    expect(ok(runCore(rich, integers))).toBe("[9007199254740993,-7,-1,-1,3]");
  });

  it("reads with typed getters and their fallbacks", () => {
    const deal = {
      amount: 75000.5,
      id: 42,
      name: "ACME",
      tags: ["a", "b"],
      lines: [{ price: 2.5, qty: 4 }, { price: 10 }],
    };
    expect(JSON.parse(ok(call({ op: "getters", deal })))).toEqual({
      amount: 75000.5,
      amountMissing: -1,
      id: 42,
      name: "ACME",
      vip: false,
      hasTags: true,
      tagCount: 2,
      lineTotal: 20,
      wrongKind: "fallback",
      keys: ["amount", "id", "name", "tags", "lines"],
    });
    expect(err(call({ op: "getters" })).code).toBe("NO_DEAL");
  });

  it("builds output with escapes, exact integers, arrays and nested values", () => {
    expect(ok(call({ op: "build" }))).toBe(
      '{"route":"replaced keeps its place","score":0.42,"count":3,"big":9007199254740993,"float":2,"ok":true,' +
        '"text":"quote\\" backslash\\\\ nl\\n tab\\t ctl\\u0001 é 😀","ints":[1,2,3],"strs":["a","b"],' +
        '"nested":{"yes":true,"none":null,"list":[1.5,"x",null]}}',
    );
    expect(ok(call({ op: "nullable" }))).toBe('{"s":null,"v":null,"limit":50000}');
    expect(ok(call({ op: "remove" }))).toBe('{"first":true,"again":false,"o":{"a":1,"c":3},"length":2}');
  });

  it("reports invalid JSON through tryParse instead of trapping", () => {
    const invalid = [
      "",
      " ",
      "{",
      "[1,]",
      '{"a":1,}',
      "01",
      "1.",
      "-",
      "1e",
      ".5",
      "+1",
      "tru",
      "nul",
      "1 2",
      "'x'",
      '"\\x"',
      '"\\u12g4"',
      '"unterminated',
      '"raw \u0001 control"',
      '{"a" 1}',
      "{a:1}",
      "NaN",
      "[".repeat(600) + "]".repeat(600),
    ];
    for (const text of invalid) {
      const run = runCore(rich, text);
      expect(err(run).code, text).toBe("BAD_INPUT");
    }
    const nested = err(call({ op: "parse", text: "[1,,2]" }));
    expect(nested).toEqual({ code: "BAD_JSON", message: expect.any(String), details: { position: 3 } });
  });

  it("traps, after logging why, when JSON.parse is given invalid JSON", () => {
    const run = call({ op: "parseOrTrap", text: "{oops" });
    expect(run.trap).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(run.logs).toHaveLength(1);
    expect(run.logs[0]?.level).toBe("error");
  });
});

describe("fail()", () => {
  it("returns the err variant with the code and the message", () => {
    expect(err(call({ op: "fail", code: "MARGIN_TOO_LOW", message: "margin 3% < 10%" }))).toEqual({
      code: "MARGIN_TOO_LOW",
      message: "margin 3% < 10%",
    });
  });

  it("adds details with failWith()", () => {
    expect(err(call({ op: "failWith", amount: 75000 }))).toEqual({
      code: "LIMIT",
      message: "over the limit",
      details: { limit: 50000, actual: 75000 },
    });
  });

  it("does not leak into the next invocation of the same instance", () => {
    const instance = instantiateCore(rich);
    const invoke = (request: unknown) => {
      const [ptr, len] = instance.writeString(JSON.stringify(request));
      const ret = instance.exports.run(ptr, len);
      const view = new DataView(instance.exports.memory.buffer);
      const tag = view.getUint8(ret);
      instance.exports.cabi_post_run(ret);
      return tag;
    };
    expect(invoke({ op: "fail", code: "X", message: "y" })).toBe(1);
    expect(invoke({ op: "roundtrip", value: 1 })).toBe(0);
  });
});

describe("host.call()", () => {
  it("passes service, method and request, and returns the ok payload", () => {
    const request = { customerId: "c-1", limit: 5 };
    const run = call({ op: "call", service: "crm.Customers", method: "Get", request }, () => ({
      ok: '{"credit":"A","score":0.9}',
    }));
    expect(run.calls).toEqual([
      { service: "crm.Customers", method: "Get", request: JSON.stringify(request) },
    ]);
    expect(JSON.parse(ok(run))).toEqual({ reply: { credit: "A", score: 0.9 } });
  });

  it("passes JSON text through as is", () => {
    const run = call({ op: "callText" }, () => ({ ok: "[3]" }));
    expect(run.calls).toEqual([{ service: "svc", method: "m", request: "[1,2]" }]);
    expect(JSON.parse(ok(run))).toEqual({ ok: true, payload: "[3]", code: "", message: "" });
  });

  it("returns the error's code and message when the host refuses", () => {
    const refused = call({ op: "call", service: "crm.Customers", method: "Delete" }, () => ({
      err: '{"code":"permission_denied","message":"not allowed"}',
    }));
    expect(err(refused)).toEqual({ code: "permission_denied", message: "not allowed" });
  });

  it("keeps a malformed error payload as the message, with code `unknown`", () => {
    const run = call({ op: "callText" }, () => ({ err: "boom" }));
    expect(JSON.parse(ok(run))).toEqual({ ok: false, payload: "boom", code: "unknown", message: "boom" });
  });
});

describe("log", () => {
  it("sends each line with its level, in order", () => {
    expect(call({ op: "log" }).logs).toEqual([
      { level: "debug", message: "debug line" },
      { level: "info", message: "info line é" },
      { level: "warn", message: "warn line" },
      { level: "error", message: "error line" },
    ]);
  });
});

describe("abort", () => {
  it("logs `abort: <message> at <file>:<line>:<column>` at level error, then traps", () => {
    const thrown = call({ op: "abort" });
    expect(thrown.result).toBeUndefined();
    expect(thrown.trap).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(thrown.logs).toEqual([
      { level: "error", message: `abort: boom at ${richLocation('throw new Error("boom")')}` },
    ]);

    const asserted = call({ op: "assert", n: 1 });
    expect(asserted.trap).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(asserted.logs).toEqual([
      {
        level: "error",
        message: `abort: n must exceed 10 at ${richLocation('assert(req.getNumber("n") > 10')}`,
      },
    ]);
    expect(ok(call({ op: "assert", n: 11 }))).toBe("{}");
  });
});

describe("cabi_realloc", () => {
  it("honours the requested alignment and keeps the old bytes when growing", () => {
    const { exports } = instantiateCore(echo);
    for (const align of [1, 2, 4, 8, 16, 64]) expect(exports.cabi_realloc(0, 0, align, 10) % align).toBe(0);
    const first = exports.cabi_realloc(0, 0, 1, 4);
    new Uint8Array(exports.memory.buffer, first, 4).set([1, 2, 3, 4]);
    const grown = exports.cabi_realloc(first, 4, 1, 100_000);
    expect([...new Uint8Array(exports.memory.buffer, grown, 4)]).toEqual([1, 2, 3, 4]);
  });
});
