import type { InvocationStats } from "@ameide-ext/contract";
import { ExtensionError } from "@ameide-ext/contract";
import { InvocationStatsSchema } from "@ameide-ext/proto";
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
