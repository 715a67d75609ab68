import { formatBytes as runtimeFormatBytes } from "@ameide-ext/runtime";
import { describe, expect, it } from "vitest";
import { describeUsage, formatBytes, limitUsage } from "./limit-usage.js";

describe("formatBytes()", () => {
  it("quotes sizes exactly as the runtime's messages do", () => {
    for (const n of [0, 312, 1024, 1536, 65_536, 70_000, 1024 * 1024, 23_208_000, 16 * 1024 * 1024]) {
      expect(formatBytes(n)).toBe(runtimeFormatBytes(n));
    }
  });
});

describe("limitUsage()", () => {
  const stats = {
    fuelUsed: 4_300_000,
    fuelLimit: 5_000_000,
    peakMemoryBytes: 65_536,
    memoryLimitBytes: 65_536,
    durationUs: 1000,
    timeoutMs: 50,
    outputBytes: 10,
    outputLimitBytes: 65_536,
    hostCalls: 1,
    hostCallsLimit: 1,
  };

  it("grades each limit: ok under 80%, warn from 80%, over at 100%", () => {
    expect(limitUsage(stats).map((u) => [u.limit, u.level])).toEqual([
      ["fuel", "warn"],
      ["memory", "over"],
      ["time", "ok"],
      ["output", "ok"],
    ]);
  });

  it("quotes the use and the limit", () => {
    const [fuel] = limitUsage(stats);
    expect(fuel && describeUsage(fuel)).toBe("fuel at 86% of the fuel budget (4.3M of 5M instructions)");
  });
});
