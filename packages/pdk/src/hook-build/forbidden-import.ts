import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { type BuildDiagnostic, formatBuildDiagnostic } from "./build-diagnostic.js";

/** The diagnostic code of an import the build refuses to follow (`forbidden_import`). */
export const FORBIDDEN_IMPORT_CODE = "PDK2";

/** What a hook may import, said once for every refusal. */
export const IMPORT_RULE =
  "a hook imports only its own files, the npm packages its package.json declares (from its own node_modules) and @ameide-ext/pdk";

/** One import the build refused, where it was written. */
export interface RefusedImport {
  /** The specifier as written, e.g. `/etc/passwd` or `../../tokens.json`. */
  specifier: string;
  /** Why it is refused, one clause, e.g. "an absolute path". */
  why: string;
  /** The hook's file that imports it (absolute), and where. */
  file: string;
  line: number;
  column: number;
  /** The importing line, from the hook's own file; empty when unknown. */
  sourceLine: string;
  length: number;
  /** The diagnostic code; default {@link FORBIDDEN_IMPORT_CODE}. Another code's `why` says the fix itself. */
  code?: string;
}

/**
 * The error for imports that reach outside what a hook may read:
 * `invalid_argument` / `forbidden_import`, each named with its file:line in
 * the message and in `details.diagnostics` (code {@link FORBIDDEN_IMPORT_CODE}),
 * the specifiers in `details.imports`. It never quotes the refused file.
 */
export function forbiddenImportError(refused: readonly RefusedImport[], rootDir: string): ExtensionError {
  const diagnostics = refused.map(
    (r): BuildDiagnostic => ({
      file: r.file,
      line: r.line,
      column: r.column,
      message: `import ${JSON.stringify(r.specifier)} is refused: ${r.why}${r.code === undefined ? `; ${IMPORT_RULE}` : ""}`,
      code: r.code ?? FORBIDDEN_IMPORT_CODE,
      severity: "error",
      sourceLine: r.sourceLine,
      length: r.length,
    }),
  );
  const text = diagnostics
    .slice(0, 20)
    .map((d) => formatBuildDiagnostic(d, displayPath(d.file, rootDir)))
    .join("\n");
  return new ExtensionError("invalid_argument", text, "forbidden_import", {
    imports: refused.map((r) => r.specifier),
    diagnostics,
  });
}

function displayPath(file: string, rootDir: string): string {
  const relative = path.relative(rootDir, file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative)
    ? file
    : relative.split(path.sep).join("/");
}
