// Text from fixtures, hooks, a registry or a runtime is untrusted: printed raw, an ESC sequence in it could
// erase a FAIL and print PASS, move the cursor, retitle the window, or (OSC 52) write the clipboard. What the
// CLI prints for people goes through here; `--json` documents do not (JSON escapes controls itself).

/** C0 controls, DEL and C1 controls: what a terminal acts on rather than shows. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it matches
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
/** The same, newline and tab aside. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it matches
const CONTROLS_BUT_NEWLINE_AND_TAB = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** The controls JSON.stringify leaves raw in a string: DEL and C1. */
const JSON_RAW_CONTROLS = /[\u007f-\u009f]/g;

/** `\x1b` for ESC: a control character as visible text. Newline and tab as `\n` and `\t`, carriage return `\r`. */
function visibleEscape(ch: string): string {
  if (ch === "\n") return "\\n";
  if (ch === "\t") return "\\t";
  if (ch === "\r") return "\\r";
  return `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/**
 * `text` safe to print on a terminal: every C0 control character but newline and tab, DEL and every C1
 * control (U+0080 to U+009F, which some terminals read as ESC sequences) shown as a visible escape
 * (`\x1b`, `\r`, `\x9b`). With `singleLine`, newline and tab too, for a field that must stay on its line
 * (a case name, a table cell), so it cannot forge the next line.
 */
export function terminalSafe(text: string, options: { singleLine?: boolean } = {}): string {
  return text.replace(options.singleLine ? CONTROLS : CONTROLS_BUT_NEWLINE_AND_TAB, visibleEscape);
}

/**
 * JSON text (from JSON.stringify) safe to print on a terminal, and still the same JSON: JSON.stringify
 * escapes C0 controls but leaves DEL and C1 controls raw; they become `\u007f`…`\u009f` escapes.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(JSON_RAW_CONTROLS, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
