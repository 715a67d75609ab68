import { describe, expect, it } from "vitest";
import { terminalSafe, terminalSafeJson } from "./terminal-text.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal raw
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("terminalSafe", () => {
  it("shows ESC, CSI and OSC sequences as visible escapes, so they cannot erase, recolour or write the clipboard", () => {
    const hostile = "small deal\u001b[2K\r\u001b[32mPASS\u001b[0m  all fine\u001b]52;c;Y3VybA==\u0007";
    const safe = terminalSafe(hostile);
    expect(safe).toBe("small deal\\x1b[2K\\r\\x1b[32mPASS\\x1b[0m  all fine\\x1b]52;c;Y3VybA==\\x07");
    expect(safe).not.toMatch(RAW_CONTROL);
  });

  it("escapes every C0 control but newline and tab, DEL and the C1 controls (U+0080 to U+009F)", () => {
    for (let c = 0; c <= 0x9f; c++) {
      const ch = String.fromCharCode(c);
      const safe = terminalSafe(`a${ch}b`);
      if (ch === "\n" || ch === "\t" || (c >= 0x20 && c < 0x7f)) expect(safe).toBe(`a${ch}b`);
      else if (ch === "\r") expect(safe).toBe("a\\rb");
      else expect(safe).toBe(`a\\x${c.toString(16).padStart(2, "0")}b`);
    }
  });

  it("keeps text that is safe as it is: unicode, emoji, paths", () => {
    const text = "fuel 36.7k · 84 µs ✓ — ünïcödé 🚀 C:\\path\\x";
    expect(terminalSafe(text)).toBe(text);
  });

  it("escapes newlines and tabs too for one-line fields (a case name that would forge a PASS line)", () => {
    expect(terminalSafe("a\nPASS  b\tc", { singleLine: true })).toBe("a\\nPASS  b\\tc");
  });
});

describe("terminalSafeJson", () => {
  it("escapes DEL and C1 controls, which JSON.stringify leaves raw, as \\u escapes: the same JSON", () => {
    const value = { s: "a\u009b31mb\u007fc\u001b[2K", n: 1 };
    const json = terminalSafeJson(JSON.stringify(value, null, 2));
    expect(json).not.toMatch(RAW_CONTROL);
    expect(json).toContain("\\u009b");
    expect(JSON.parse(json)).toEqual(value);
  });
});
