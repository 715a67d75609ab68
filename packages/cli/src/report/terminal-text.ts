// Text from fixtures, hooks, a registry or a runtime is untrusted: printed raw, an ESC sequence in it could
// erase a FAIL and print PASS, move the cursor, retitle the window, or (OSC 52) write the clipboard; a bidi
// control (U+202E) could show a name's text, and what follows it on the line, right to left. What the
// CLI prints for people goes through here; `--json` documents do not (JSON escapes controls itself).

/**
 * Bidi controls and invisible format characters: the Arabic letter mark (U+061C), zero-width space, joiners
 * and marks (U+200B to U+200F), the line and paragraph separators, embeddings and overrides (U+2028 to
 * U+202E), the word joiner, invisible operators, isolates and deprecated format controls (U+2060 to U+206F),
 * the byte-order mark (U+FEFF) and the interlinear annotation characters (U+FFF9 to U+FFFB). A terminal shows
 * none of them, and the bidi ones reorder the text around them.
 */
const FORMAT = "\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb";
/** C0 controls, DEL and C1 controls (what a terminal acts on rather than shows), and {@link FORMAT}. */
const CONTROLS = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${FORMAT}]`, "g");
/** The same, newline and tab aside. */
const CONTROLS_BUT_NEWLINE_AND_TAB = new RegExp(
  `[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f${FORMAT}]`,
  "g",
);
/** The characters JSON.stringify leaves raw in a string that a terminal acts on or hides: DEL, C1, {@link FORMAT}. */
const JSON_RAW_CONTROLS = new RegExp(`[\\u007f-\\u009f${FORMAT}]`, "g");

/** `\u` and four hex digits: a character as visible text, and as a JSON escape of it. */
const unicodeEscape = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * `\x1b` for ESC: a control character as visible text. Newline and tab as `\n` and `\t`, carriage return
 * `\r`; a bidi control or format character as `\u202e`.
 */
function visibleEscape(ch: string): string {
  if (ch === "\n") return "\\n";
  if (ch === "\t") return "\\t";
  if (ch === "\r") return "\\r";
  const code = ch.charCodeAt(0);
  if (code > 0xff) return unicodeEscape(ch);
  return `\\x${code.toString(16).padStart(2, "0")}`;
}

/**
 * `text` safe to print on a terminal: every C0 control character but newline and tab, DEL and every C1
 * control (U+0080 to U+009F, which some terminals read as ESC sequences) shown as a visible escape
 * (`\x1b`, `\r`, `\x9b`), and every bidi control or invisible format character as `\u202e` (so a name
 * cannot reorder a PASS/FAIL line). With `singleLine`, newline and tab too, for a field that must stay on
 * its line (a case name, a table cell), so it cannot forge the next line.
 */
export function terminalSafe(text: string, options: { singleLine?: boolean } = {}): string {
  return text.replace(options.singleLine ? CONTROLS : CONTROLS_BUT_NEWLINE_AND_TAB, visibleEscape);
}

/**
 * JSON text (from JSON.stringify) safe to print on a terminal, and still the same JSON: JSON.stringify
 * escapes C0 controls but leaves DEL, C1 controls, bidi controls and format characters raw; they become
 * `\u007f`…`\u009f`, `\u202e`… escapes.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(JSON_RAW_CONTROLS, unicodeEscape);
}
