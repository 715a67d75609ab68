import type { InvocationStats } from "@ameide-ext/contract";
import { InvocationStatsSchema } from "@ameide-ext/proto";
import { describe, expect, it } from "vitest";
import { responseFromResult } from "./invocation-response.js";

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
    const res = responseFromResult({ outcome: "ok", output: "{}", stats, logs: [] }, "3");
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
