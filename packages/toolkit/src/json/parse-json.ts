import { type ErrorReason, ExtensionError } from "@ameide-ext/contract";

/** Where and why JSON text does not parse. */
export interface JsonSyntaxError {
  /** Why, e.g. `Unexpected number`. */
  why: string;
  /** 1-based line of the error, when known. */
  line?: number;
  /** 1-based column of the error, when known. */
  column?: number;
}

/** Parses JSON text: the value, or where and why it is not JSON. */
export function tryParseJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: JsonSyntaxError } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const why = message
      .replace(/ in JSON at position \d+.*$/, "")
      .replace(/^Unexpected end of JSON input$/, "it ends early");
    const at = /at position (\d+)/.exec(message);
    return {
      ok: false,
      error: at?.[1] === undefined ? { why } : { why, ...lineColumn(text, Number(at[1])) },
    };
  }
}

/** `file:3:9` when the line is known, else `file`. */
export function formatJsonSyntaxError(file: string, error: JsonSyntaxError): string {
  const where = error.line === undefined ? "" : `:${error.line}:${error.column}`;
  return `${file}${where}: is not JSON: ${error.why}`;
}

/**
 * Parses JSON text read from `file`; on a syntax error throws
 * `invalid_argument` with `reason`, naming the file, the line and the column.
 */
export function parseJsonFile(text: string, file: string, reason: ErrorReason): unknown {
  const r = tryParseJson(text);
  if (r.ok) return r.value;
  throw new ExtensionError("invalid_argument", formatJsonSyntaxError(file, r.error), reason, {
    file,
    ...r.error,
  });
}

function lineColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: position - start + 1 };
}
