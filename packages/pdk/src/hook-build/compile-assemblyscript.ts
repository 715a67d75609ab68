import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import asc from "assemblyscript/asc";
import {
  type BuildDiagnostic,
  type DiagnosticSeverity,
  formatBuildDiagnostic,
  locateRange,
} from "./build-diagnostic.js";
import { createConfinedAscReader } from "./confined-asc-reader.js";
import { forbiddenImportError } from "./forbidden-import.js";
import { createHookEntrySource, HOOK_ENTRY_FILE } from "./hook-entry.js";
import { PDK_ABORT, PDK_ASSEMBLY_DIR, PDK_LIB_PREFIX } from "./pdk-sources.js";
import { type AscDiagnostic, refusedAscImports } from "./refused-asc-imports.js";

/** What {@link compileAssemblyScript} needs; checked by the caller. */
export interface CompileAssemblyScriptOptions {
  /** Absolute path of the hook's module, the one exporting `run(input: string): string`. */
  entry: string;
  /** Absolute path of the hook's folder: paths in diagnostics are relative to it. */
  rootDir: string;
  /** Optimize for speed (-O3) when true; no optimization when false. */
  optimize: boolean;
}

/** A compiled core module and the warnings the compiler gave. */
export interface CompiledCoreModule {
  /** The core WebAssembly module. */
  core: Uint8Array;
  /** Warnings (the build succeeded despite them). */
  warnings: BuildDiagnostic[];
}

/** The code of the diagnostic for a hook without a proper `run` export. */
export const MISSING_RUN_CODE = "PDK1";

const OUT_FILE = "hook.wasm";
const LIB_PREFIX = "~lib/";
const SEVERITIES: readonly DiagnosticSeverity[] = ["pedantic", "info", "warning", "error"];
const ERROR_CATEGORY = 3;

// asc keeps global state in Binaryen between phases: one compile at a time.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Compiles a hook written in AssemblyScript to a core module with the
 * canonical ABI of the contract. The hook's `@ameide-ext/pdk` imports resolve
 * to this package's `assembly/` folder, whatever the hook's folder holds.
 * asc reads through {@link createConfinedAscReader} only. Throws
 * `invalid_argument` / `forbidden_import` for an import that reaches outside
 * (checked first: it is why such an import was "not found"), and
 * `invalid_argument` / `compile_error` with the diagnostics in
 * `details.diagnostics` when the hook does not compile.
 */
export function compileAssemblyScript(options: CompileAssemblyScriptOptions): Promise<CompiledCoreModule> {
  const run = queue.then(() => compileNow(options));
  queue = run.catch(() => undefined);
  return run;
}

async function compileNow(options: CompileAssemblyScriptOptions): Promise<CompiledCoreModule> {
  const { entry, rootDir } = options;
  const hookImport = `./${toPosix(path.relative(rootDir, entry)).replace(/\.ts$/, "")}`;
  const reader = createConfinedAscReader(
    rootDir,
    new Map([[path.join(rootDir, HOOK_ENTRY_FILE), createHookEntrySource(hookImport)]]),
  );
  const raw: AscDiagnostic[] = [];
  const stderr: string[] = [];
  let binary: Uint8Array | undefined;

  const result = await asc.main(ascArguments(options), {
    stdout: { write: () => undefined },
    stderr: {
      write: (chunk) => void stderr.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString()),
    },
    readFile: reader.readFile,
    writeFile: (name, contents) => {
      if (name === OUT_FILE && contents instanceof Uint8Array) binary = contents;
    },
    listFiles: () => [],
    reportDiagnostic: (diagnostic) => void raw.push(diagnostic),
  });

  const refused = refusedAscImports(raw, { ...reader, rootDir, fileOf: (p) => sourceFile(p, rootDir) });
  if (refused.length > 0) throw forbiddenImportError(refused, rootDir);
  const diagnostics = toBuildDiagnostics(raw, options, reader.texts);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    const message = errors.map((d) => formatBuildDiagnostic(d, displayPath(d.file, rootDir))).join("\n");
    throw new ExtensionError("invalid_argument", message, "compile_error", { diagnostics: errors });
  }
  if (result.error !== null || binary === undefined) {
    const cause = result.error?.message ?? "no output";
    throw new ExtensionError(
      "internal",
      `the AssemblyScript compiler failed without a diagnostic: ${cause}${stderr.length > 0 ? `\n${stderr.join("")}` : ""}`,
    );
  }
  return { core: binary, warnings: diagnostics };
}

/** asc's command line: every option decided here (the hook's asconfig.json is never read). */
function ascArguments(options: CompileAssemblyScriptOptions): string[] {
  return [
    HOOK_ENTRY_FILE,
    "--baseDir",
    options.rootDir,
    "--outFile",
    OUT_FILE,
    "--runtime",
    "stub",
    "--use",
    `abort=${PDK_ABORT}`,
    "--optimizeLevel",
    options.optimize ? "3" : "0",
    "--shrinkLevel",
    "0",
    "--noColors",
  ];
}

function toBuildDiagnostics(
  raw: readonly AscDiagnostic[],
  options: CompileAssemblyScriptOptions,
  texts: ReadonlyMap<string, string>,
): BuildDiagnostic[] {
  const diagnostics: BuildDiagnostic[] = [];
  let runReported = false;
  for (const d of raw) {
    const severity = SEVERITIES[d.category] ?? "error";
    const code = `${d.code < 1000 ? "AS" : "TS"}${d.code}`;
    const source = d.range?.source.normalizedPath;
    if (source === HOOK_ENTRY_FILE) {
      // The generated entry only calls the hook's `run`: any error there is a missing or mistyped `run`.
      if (d.category !== ERROR_CATEGORY || runReported) continue;
      runReported = true;
      diagnostics.push(missingRunDiagnostic(options, texts.get(options.entry) ?? "", d.message));
      continue;
    }
    if (d.range === null || source === undefined) {
      diagnostics.push({
        file: "",
        line: 0,
        column: 0,
        message: d.message,
        code,
        severity,
        sourceLine: "",
        length: 1,
      });
      continue;
    }
    const file = sourceFile(source, options.rootDir);
    const text = texts.get(file) ?? libraryText(source) ?? "";
    diagnostics.push({
      file,
      ...locateRange(text, d.range.start, d.range.end),
      message: d.message,
      code,
      severity,
    });
  }
  return diagnostics;
}

function missingRunDiagnostic(
  options: CompileAssemblyScriptOptions,
  text: string,
  cause: string,
): BuildDiagnostic {
  const declaration = /\bexport\s+function\s+(run)\b/.exec(text) ?? /\bfunction\s+(run)\b/.exec(text);
  const start = declaration === null ? 0 : declaration.index + declaration[0].length - 3;
  const location =
    declaration === null
      ? { line: 1, column: 1, sourceLine: "", length: 1 }
      : locateRange(text, start, start + 3);
  return {
    file: options.entry,
    ...location,
    message: `${displayPath(options.entry, options.rootDir)} must export \`function run(input: string): string\` (${cause})`,
    code: MISSING_RUN_CODE,
    severity: "error",
  };
}

/** Maps the compiler's normalized path of a source back to a file name. */
function sourceFile(normalizedPath: string, rootDir: string): string {
  if (normalizedPath.startsWith(PDK_LIB_PREFIX)) {
    return path.join(PDK_ASSEMBLY_DIR, normalizedPath.slice(PDK_LIB_PREFIX.length));
  }
  if (normalizedPath.startsWith(LIB_PREFIX)) return normalizedPath;
  return path.resolve(rootDir, normalizedPath);
}

function libraryText(normalizedPath: string): string | undefined {
  if (!normalizedPath.startsWith(LIB_PREFIX)) return undefined;
  return asc.libraryFiles[normalizedPath.slice(LIB_PREFIX.length).replace(/\.ts$/, "")];
}

function displayPath(file: string, rootDir: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(rootDir, file);
  return relative.startsWith("..") ? file : toPosix(relative);
}

function toPosix(file: string): string {
  return file.split(path.sep).join("/");
}
