import { describe, expect, it } from "vitest";
import { terminalSafe, terminalSafeJson } from "./terminal-text.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal raw
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** Bidi controls and invisible format characters, which reorder or hide what a terminal shows. */
const BIDI_OR_INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;

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

  it("escapes bidi controls and invisible format characters, in both modes, so a name cannot reorder a PASS/FAIL line", () => {
    // Red team: a fixture named "\u202eLIAF" shows, in a bidi-aware terminal, as "FAIL" read right to left:
    // the overrides, embeddings, isolates and marks reorder what follows; zero-width characters hide text.
    const hostile = "deal \u202eSSAP\u202c ok\u2066x\u2069\u200b\ufeff";
    for (const singleLine of [false, true]) {
      expect(terminalSafe(hostile, { singleLine })).toBe(
        "deal \\u202eSSAP\\u202c ok\\u2066x\\u2069\\u200b\\ufeff",
      );
    }
    const format = [0x061c, 0xfeff, 0xfff9, 0xfffa, 0xfffb];
    for (let c = 0x200b; c <= 0x200f; c++) format.push(c);
    for (let c = 0x2028; c <= 0x202e; c++) format.push(c);
    for (let c = 0x2060; c <= 0x206f; c++) format.push(c);
    for (const c of format) {
      const ch = String.fromCharCode(c);
      for (const singleLine of [false, true])
        expect(terminalSafe(`a${ch}b`, { singleLine })).toBe(`a\\u${c.toString(16).padStart(4, "0")}b`);
    }
    // An isolate left open cannot reorder the rest of the line either.
    expect(terminalSafe("PASS \u2067evil\u2069", { singleLine: true })).not.toMatch(BIDI_OR_INVISIBLE);
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

  it("escapes bidi controls and invisible format characters as \\u escapes: the same JSON", () => {
    const value = { s: "ok\u202eLIAF\u202c\u2066\u200b\ufeff\u2028" };
    const json = terminalSafeJson(JSON.stringify(value));
    expect(json).not.toMatch(BIDI_OR_INVISIBLE);
    expect(json).toBe('{"s":"ok\\u202eLIAF\\u202c\\u2066\\u200b\\ufeff\\u2028"}');
    expect(JSON.parse(json)).toEqual(value);
  });
});
