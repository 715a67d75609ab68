import { readFileSync } from "node:fs";
import path from "node:path";
import { type BuildDiagnostic, locateRange } from "./build-diagnostic.js";
import { MISSING_RUN_CODE } from "./compile-assemblyscript.js";

/** What a TypeScript hook's module exports, as messages say it. */
export const TYPESCRIPT_RUN_SIGNATURE = 'export function run(input: Json) (Json from "@ameide-ext/pdk")';

/**
 * The diagnostic of a TypeScript hook whose `entry` does not export `run`
 * (code `PDK1`): at its `function run` when it has one (not exported, or a
 * default export), else at 1:1, naming the file relative to `rootDir` and the
 * signature to write. `cause` says what the bundler found, in a clause.
 */
export function missingRunDiagnostic(entry: string, rootDir: string, cause: string): BuildDiagnostic {
  let text = "";
  try {
    text = readFileSync(entry, "utf8");
  } catch {
    // The bundler read it a moment ago; without its text the diagnostic points at 1:1.
  }
  const declaration = /\bfunction\s+(run)\b/.exec(text) ?? /\b(run)\s*=/.exec(text);
  const start = declaration === null ? 0 : declaration.index + declaration[0].indexOf("run");
  const location =
    declaration === null
      ? { line: 1, column: 1, sourceLine: "", length: 1 }
      : locateRange(text, start, start + 3);
  const shown = path.relative(rootDir, entry).split(path.sep).join("/");
  return {
    file: entry,
    ...location,
    message: `${shown} must ${TYPESCRIPT_RUN_SIGNATURE}: ${cause}`,
    code: MISSING_RUN_CODE,
    severity: "error",
  };
}
