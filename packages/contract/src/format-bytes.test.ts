import { describe, expect, it } from "vitest";
import { formatBytes } from "./format-bytes.js";

describe("formatBytes()", () => {
  it("quotes bytes, KiB and MiB, whole numbers without decimals", () => {
    expect([0, 312, 1024, 1536, 70_000, 16 * 1024 * 1024, 23_208_000].map(formatBytes)).toEqual([
      "0 B",
      "312 B",
      "1 KiB",
      "1.5 KiB",
      "68.4 KiB",
      "16 MiB",
      "22.1 MiB",
    ]);
  });
});
