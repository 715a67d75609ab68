/** How serious a compiler diagnostic is. */
export type DiagnosticSeverity = "error" | "warning" | "info" | "pedantic";

/**
 * One compiler diagnostic, located in a source file. Compile errors carry a
 * list of these in `ExtensionError.details.diagnostics`; a successful build
 * returns its warnings.
 */
export interface BuildDiagnostic {
  /** Absolute path of the file (a PDK or standard-library file is named as the compiler names it, e.g. `~lib/array.ts`). */
  file: string;
  /** 1-based line of the start of the range. */
  line: number;
  /** 1-based column (UTF-16 code units) of the start of the range. */
  column: number;
  /** What is wrong. */
  message: string;
  /** The compiler's code, e.g. `TS2322` or `AS100`; `PDK1` for a hook without a proper `run` export, `PDK2` for a refused import, `PDK3` for a Node built-in. */
  code: string;
  /** How serious it is. */
  severity: DiagnosticSeverity;
  /** The text of the source line at `line`, without its line break; empty when unknown. */
  sourceLine: string;
  /** How many characters of `sourceLine` the range covers from `column` (at least 1). */
  length: number;
}

/**
 * Formats a diagnostic like a compiler would print it:
 * `src/index.ts:3:10 error TS2322: Type …`, then the source line and a
 * `^~~~` marker under the range. `displayPath` is how to name the file,
 * usually relative to the hook's folder.
 */
export function formatBuildDiagnostic(diagnostic: BuildDiagnostic, displayPath: string): string {
  const head = `${displayPath}:${diagnostic.line}:${diagnostic.column} ${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`;
  if (diagnostic.sourceLine === "") return head;
  const indent = diagnostic.sourceLine.slice(0, diagnostic.column - 1).replace(/[^\t]/g, " ");
  const marker = `^${"~".repeat(Math.max(0, diagnostic.length - 1))}`;
  return `${head}\n  ${diagnostic.sourceLine}\n  ${indent}${marker}`;
}

/** Where a range of `text` lies: its 1-based line and column, the line's text, and the range's length on it. */
export function locateRange(
  text: string,
  start: number,
  end: number,
): Pick<BuildDiagnostic, "line" | "column" | "sourceLine" | "length"> {
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < lineStart; i = text.indexOf("\n", i + 1)) line++;
  const lineEnd = text.indexOf("\n", start);
  const sourceLine = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).replace(/\r$/, "");
  const column = start - lineStart + 1;
  const length = Math.max(1, Math.min(end, lineStart + sourceLine.length) - start);
  return { line, column, sourceLine, length };
}
