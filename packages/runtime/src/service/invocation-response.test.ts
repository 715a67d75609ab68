import type { InvocationStats } from "@ameide-ext/contract";
import { ExtensionError } from "@ameide-ext/contract";
import {
  InvocationStatsSchema,
  type InvokeExtensionResponse,
  InvokeExtensionResponseSchema,
  LogLevel,
  Outcome,
} from "@ameide-ext/proto";
import { create, isMessage, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { responseFromError, responseFromResult } from "./invocation-response.js";

describe("responseFromResult()", () => {
  it("puts each stat on the wire under the name and in the unit the contract's InvocationStats uses", () => {
    const stats: InvocationStats = {
      fuelUsed: 2113,
      fuelLimit: 50_000_000,
      peakMemoryBytes: 65_536,
      memoryLimitBytes: 16_777_216,
      durationUs: 812,
      outputBytes: 17,
      outputLimitBytes: 65_536,
      hostCalls: 1,
    };
    const res = responseFromResult(
      { outcome: "ok", output: "{}", stats, logs: [] },
      { version: "3", sha256: "ab" },
    );
    const wire = res.stats as unknown as Record<string, bigint | number>;
    const named = stats as unknown as Record<string, number>;
    const pairs = InvocationStatsSchema.fields.map((f) => [
      f.localName,
      named[f.localName],
      Number(wire[f.localName]),
    ]);
    expect(pairs).toEqual(
      InvocationStatsSchema.fields.map((f) => [f.localName, named[f.localName], named[f.localName]]),
    );
    expect(pairs.every(([, value]) => typeof value === "number")).toBe(true);
  });
});

describe("the module an answer came from", () => {
  const stats: InvocationStats = {
    fuelUsed: 0,
    fuelLimit: 0,
    peakMemoryBytes: 0,
    memoryLimitBytes: 0,
    durationUs: 0,
    outputBytes: 0,
    outputLimitBytes: 0,
    hostCalls: 0,
  };
  it("names the resolved version and the module's sha256 on every outcome, for audit and replay", () => {
    const ok = responseFromResult(
      { outcome: "ok", output: "{}", stats, logs: [] },
      { version: "3", sha256: "ab12" },
    );
    expect([ok.resolvedVersion, ok.moduleSha256]).toEqual(["3", "ab12"]);
    const refused = responseFromError(new ExtensionError("resource_exhausted", "over", "fuel"), {
      version: "4",
      sha256: "cd34",
    });
    expect([refused.resolvedVersion, refused.moduleSha256]).toEqual(["4", "cd34"]);
    expect(responseFromError(new ExtensionError("not_found", "no such extension")).moduleSha256).toBe("");
  });
});

describe("responses built without create()", () => {
  const stats: InvocationStats = {
    fuelUsed: 29_712,
    fuelLimit: 500_000,
    peakMemoryBytes: 65_536,
    memoryLimitBytes: 16_777_216,
    durationUs: 3.4,
    outputBytes: 60,
    outputLimitBytes: 65_536,
    hostCalls: 2,
  };
  const wireStats = {
    fuelUsed: 29_712n,
    fuelLimit: 500_000n,
    peakMemoryBytes: 65_536n,
    memoryLimitBytes: 16_777_216n,
    durationUs: 3n,
    outputBytes: 60n,
    hostCalls: 2,
  };
  const module = { version: "3", sha256: "ab12" };
  const logs = [{ level: "warn" as const, message: "qty is 0" }];
  const encoder = new TextEncoder();

  it("equal what create() builds, every field present, on each outcome (a new proto field fails this)", () => {
    const cases: Array<[InvokeExtensionResponse, InvokeExtensionResponse]> = [
      [
        responseFromResult({ outcome: "ok", output: '{"net":1}', stats, logs }, module),
        create(InvokeExtensionResponseSchema, {
          outcome: Outcome.OK,
          outputJson: encoder.encode('{"net":1}'),
          resolvedVersion: "3",
          moduleSha256: "ab12",
          stats: wireStats,
          logs: [{ level: LogLevel.WARN, message: "qty is 0" }],
        }),
      ],
      [
        responseFromResult(
          {
            outcome: "business_error",
            businessError: { code: "NEG", message: "no", details: { f: 1 } },
            stats,
            logs: [],
          },
          module,
        ),
        create(InvokeExtensionResponseSchema, {
          outcome: Outcome.BUSINESS_ERROR,
          errorCode: "NEG",
          errorMsg: "no",
          errorDetailsJson: encoder.encode('{"f":1}'),
          resolvedVersion: "3",
          moduleSha256: "ab12",
          stats: wireStats,
        }),
      ],
      [
        responseFromResult(
          {
            outcome: "technical_error",
            error: new ExtensionError("resource_exhausted", "over", "fuel"),
            stats,
            logs: [],
          },
          module,
        ),
        create(InvokeExtensionResponseSchema, {
          outcome: Outcome.TECHNICAL_ERROR,
          errorCode: "resource_exhausted",
          errorMsg: "over",
          errorReason: "fuel",
          resolvedVersion: "3",
          moduleSha256: "ab12",
          stats: wireStats,
        }),
      ],
      [
        responseFromError(new ExtensionError("not_found", "no such extension")),
        create(InvokeExtensionResponseSchema, {
          outcome: Outcome.TECHNICAL_ERROR,
          errorCode: "not_found",
          errorMsg: "no such extension",
          stats: {},
        }),
      ],
    ];
    for (const [ours, theirs] of cases) {
      expect(ours).toStrictEqual(theirs);
      expect(isMessage(ours, InvokeExtensionResponseSchema)).toBe(true);
      expect(toBinary(InvokeExtensionResponseSchema, ours)).toEqual(
        toBinary(InvokeExtensionResponseSchema, theirs),
      );
    }
  });

  it("stay a message of their own: two answers share no stats or logs object", () => {
    const a = responseFromResult({ outcome: "ok", output: "{}", stats, logs }, module);
    const b = responseFromResult({ outcome: "ok", output: "{}", stats, logs }, module);
    expect(a.stats).not.toBe(b.stats);
    expect(a.logs).not.toBe(b.logs);
  });
});
