import { describe, expect, it } from "vitest";
import { chooseReporterMode } from "./create-reporter.js";

const stdout = (isTTY: boolean, columns: number | undefined) => ({
  write() {},
  isTTY,
  columns,
  stream: process.stdout,
});

describe("chooseReporterMode()", () => {
  it("uses the live view on a wide terminal", () => {
    expect(chooseReporterMode(false, { stdout: stdout(true, 120), env: {} })).toBe("interactive");
  });

  it("prints one JSON document with --json, even on a terminal", () => {
    expect(chooseReporterMode(true, { stdout: stdout(true, 120), env: {} })).toBe("json");
  });

  it("prints plain lines off a terminal, with NO_COLOR, or with TERM=dumb", () => {
    expect(chooseReporterMode(false, { stdout: stdout(false, undefined), env: {} })).toBe("plain");
    expect(chooseReporterMode(false, { stdout: stdout(true, 120), env: { NO_COLOR: "1" } })).toBe("plain");
    expect(chooseReporterMode(false, { stdout: stdout(true, 120), env: { TERM: "dumb" } })).toBe("plain");
  });

  it("prints plain lines on a pty that reports no size (regression: ink wrapped every character)", () => {
    expect(chooseReporterMode(false, { stdout: stdout(true, 0), env: {} })).toBe("plain");
  });
});
