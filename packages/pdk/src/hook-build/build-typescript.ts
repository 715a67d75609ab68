import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { ExtensionError, readContractWit, WORLD_NAME } from "@ameide-ext/contract";
import { build as esbuild } from "esbuild";
import ts from "typescript";
import type { BuildDiagnostic } from "./build-diagnostic.js";
import { formatBuildDiagnostic } from "./build-diagnostic.js";
import {
  createConfineImportsPlugin,
  FORBIDDEN_IMPORT_DETAIL,
  NODE_BUILTIN_DETAIL,
} from "./confine-imports-plugin.js";
import { createConfinedCompilerHost, referencesOutside } from "./confined-compiler-host.js";
import { deterministicQjsRuntime } from "./deterministic-qjs-runtime.js";
import { forbiddenImportError, type RefusedImport } from "./forbidden-import.js";
import { relocateSourceMap } from "./hook-source-map.js";
import {
  HOOK_COMPILER_OPTIONS,
  PDK_GUEST_DIR,
  PDK_GUEST_ENTRY,
  PDK_GUEST_HOST_TYPES,
} from "./hook-tsconfig.js";
import { missingRunDiagnostic } from "./missing-run.js";
import { explainNodeGlobal, NODE_BUILTIN_CODE } from "./node-builtins.js";
import { createPathConfinement, isInside } from "./path-confinement.js";
import { PDK_PACKAGE } from "./pdk-sources.js";
import { privateScratchDir } from "./private-scratch.js";

/** Options of {@link buildTypeScript}. */
export interface BuildTypeScriptOptions {
  /** Absolute path of the hook's module (usually `<hook>/src/index.ts`), which exports `run(input)`. */
  entry: string;
  /** Absolute path of the hook's folder; diagnostics name files relative to it. Default: the parent of `src/`. */
  rootDir?: string;
}

/** A built TypeScript hook. */
export interface TypeScriptBuild {
  /** The component, targeting the world `ameide:extension/extension@1.0.0` (QuickJS, WASI stubbed). */
  component: Uint8Array;
  /** SHA-256 of `component`, lowercase hex. */
  sha256: string;
  /** Size of `component` in bytes. */
  bytes: number;
  /** The bundled JavaScript that QuickJS runs. */
  bundle: string;
  /**
   * The bundle's source map (JSON, version 3, no sources' content): `sources`
   * relative to the hook's folder (`src/index.ts`), the guest PDK as
   * `@ameide-ext/pdk/guest/index.ts`, the PDK and the generated entry in
   * `ignoreList`. Not in the component: the toolkit keeps it beside it to map
   * a thrown error's stack (`/hook.js:97:37`) back to `src/index.ts`.
   */
  sourceMap: string;
  /**
   * Absolute paths of the files bundled (the hook's modules, its dependencies,
   * the guest PDK), sorted: what the component was built from. Type-only files
   * (`.d.ts`) are not among them.
   */
  inputs: string[];
  /** Wall-clock time of the build, in milliseconds. */
  durationMs: number;
}

const HOST_MODULE = "ameide:extension/host@1.0.0";
/** The name of the generated entry module, which exists only in esbuild's stdin. */
const GENERATED_ENTRY = "__ameide_hook_entry__.js";

/**
 * Builds a hook written in TypeScript into a component: esbuild bundles it
 * with its pure-JS dependencies and the TypeScript PDK, the TypeScript
 * compiler checks it (strict), and componentize-qjs turns the bundle into a
 * QuickJS component of the contract world with WASI stubbed out.
 *
 * Both read only the hook's folder (by real path), the npm packages its
 * package.json declares in its own node_modules, and the PDK: the hook's
 * tsconfig.json is ignored, and an import or `/// <reference path>` out of
 * the folder, a URL, or an import attribute other than `{ type: "json" }` is
 * refused before anything outside is read (issue #10).
 *
 * Throws an {@link ExtensionError}: `invalid_argument` / `compile_error` with
 * `details.diagnostics` when the hook does not type-check or bundle,
 * `invalid_argument` / `forbidden_import` (`details.imports`,
 * `details.diagnostics`) for an import it may not make, `invalid_argument`
 * for bad options, `internal` when componentize fails.
 */
export async function buildTypeScript(options: BuildTypeScriptOptions): Promise<TypeScriptBuild> {
  const started = performance.now();
  const { entry, rootDir } = await checkOptions(options);
  // The bundle first: its resolution is the one that decides what is read, and refuses what may not be.
  const { bundle, sourceMap, inputs } = await bundleHook(entry, rootDir);
  typeCheck(entry, rootDir);
  const component = await componentize(bundle);
  return {
    component,
    sha256: createHash("sha256").update(component).digest("hex"),
    bytes: component.byteLength,
    bundle,
    sourceMap,
    inputs,
    durationMs: performance.now() - started,
  };
}

function compileError(diagnostics: BuildDiagnostic[], rootDir: string): ExtensionError {
  const text = diagnostics
    .slice(0, 20)
    .map((d) => formatBuildDiagnostic(d, path.relative(rootDir, d.file) || d.file))
    .join("\n");
  return new ExtensionError("invalid_argument", text, "compile_error", { diagnostics });
}

function typeCheck(entry: string, rootDir: string): void {
  // The options a hook's tsconfig.json gives editors (createHookTsconfig), with the PDK by its absolute path.
  const { options, errors: optionErrors } = ts.convertCompilerOptionsFromJson(
    { ...HOOK_COMPILER_OPTIONS, paths: { "@ameide-ext/pdk": [PDK_GUEST_ENTRY] } },
    rootDir,
  );
  if (optionErrors.length > 0) {
    const text = optionErrors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
    throw new ExtensionError("internal", `the hook compiler options are not valid: ${text}`);
  }
  // Every .ts file beside the entry, as the hook's tsconfig.json includes src/: declarations
  // the author wrote (`declare module "untyped-package"`) count in the build as in the editor.
  const rootNames = [entry, ...typeScriptFiles(path.dirname(entry)), PDK_GUEST_HOST_TYPES];
  const libDir = path.dirname(ts.getDefaultLibFilePath(options));
  const confinement = createPathConfinement([rootDir, PDK_GUEST_DIR, libDir]);
  const { host, refused } = createConfinedCompilerHost(options, confinement);
  const program = ts.createProgram({ rootNames: [...new Set(rootNames)], options, host });
  const outside: RefusedImport[] = program
    .getSourceFiles()
    .filter((f) => isInside(f.fileName, rootDir))
    .flatMap((f) => referencesOutside(f, confinement));
  for (const file of refused.filter(
    (f) => !outside.some((o) => path.resolve(path.dirname(o.file), o.specifier) === f),
  ))
    outside.push({
      specifier: file,
      why: "it is outside the hook's folder (a link?)",
      file,
      line: 1,
      column: 1,
      sourceLine: "",
      length: 1,
    });
  if (outside.length > 0) throw forbiddenImportError(outside, rootDir);
  const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length === 0) return;
  throw compileError(
    errors.map((d): BuildDiagnostic => explainNodeGlobal(tscDiagnostic(d, entry))),
    rootDir,
  );
}

/** A diagnostic of tsc, located in its file (or at the entry's 1:1 when tsc gives no file). */
function tscDiagnostic(d: ts.Diagnostic, entry: string): BuildDiagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || d.start === undefined) {
    return {
      file: entry,
      line: 1,
      column: 1,
      message,
      code: `TS${d.code}`,
      severity: "error",
      sourceLine: "",
      length: 1,
    };
  }
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const sourceLine = d.file.text.split(/\r?\n/)[line] ?? "";
  return {
    file: d.file.fileName,
    line: line + 1,
    column: character + 1,
    message,
    code: `TS${d.code}`,
    severity: "error",
    sourceLine,
    length: Math.max(1, Math.min(d.length ?? 1, sourceLine.length - character)),
  };
}

/** The .ts files (declarations included) under `dir`, node_modules and dot-folders aside, sorted. */
function typeScriptFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && !entry.name.startsWith(".")) out.push(...typeScriptFiles(file));
    } else if (entry.name.endsWith(".ts")) out.push(file);
  }
  return out.sort();
}

/** The bundle's (unwritten) file name: the source map's paths are relative to its folder, the hook's. */
const BUNDLE_FILE = "hook.js";

async function bundleHook(
  entry: string,
  rootDir: string,
): Promise<{ bundle: string; sourceMap: string; inputs: string[] }> {
  const confine = createConfineImportsPlugin({
    rootDir,
    entry,
    generatedEntry: path.join(rootDir, GENERATED_ENTRY),
    pdk: { name: PDK_PACKAGE, entry: PDK_GUEST_ENTRY, dir: PDK_GUEST_DIR },
    external: [HOST_MODULE],
    confinement: createPathConfinement([rootDir, PDK_GUEST_DIR]),
  });
  const result = await esbuild({
    stdin: {
      contents: [
        `import { run as hookRun } from ${JSON.stringify(entry)};`,
        `import { __runHook } from "${PDK_PACKAGE}";`,
        "export function run(inputJson) { return __runHook(hookRun, inputJson); }",
      ].join("\n"),
      resolveDir: rootDir,
      sourcefile: GENERATED_ENTRY,
      loader: "js",
    },
    bundle: true,
    write: false,
    outfile: path.join(rootDir, BUNDLE_FILE),
    // Beside the bundle, never in it (no sourceMappingURL): the component stays what it was.
    sourcemap: "external",
    sourcesContent: false,
    format: "esm",
    platform: "neutral",
    target: "es2020",
    plugins: [confine],
    // Not the hook's tsconfig.json: its paths and baseUrl would steer resolution, its jsx options imports.
    tsconfigRaw: {},
    absWorkingDir: rootDir,
    metafile: true,
    mainFields: ["module", "main"],
    logLevel: "silent",
    legalComments: "none",
  }).catch((cause: unknown) => {
    throw bundleError(cause, entry, rootDir);
  });
  // A module with no export at all is CommonJS to esbuild: `run` is then only a warning ("always undefined").
  const runWarning = result.warnings.find((w) => w.location?.file === GENERATED_ENTRY);
  if (runWarning !== undefined) throw missingRunError(runWarning, entry, rootDir);
  const out = result.outputFiles.find((f) => f.path.endsWith(BUNDLE_FILE));
  const map = result.outputFiles.find((f) => f.path.endsWith(`${BUNDLE_FILE}.map`));
  if (!out || !map) throw new ExtensionError("internal", "esbuild produced no bundle");
  // The generated entry is not a file; every other input is, relative to absWorkingDir.
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => f !== GENERATED_ENTRY)
    .map((f) => path.resolve(rootDir, f))
    .sort();
  return {
    bundle: namePdkByPackage(out.text, rootDir),
    sourceMap: relocateSourceMap(map.text, rootDir, GENERATED_ENTRY),
    inputs,
  };
}

/**
 * The bundle with esbuild's `// <path>` comment before each module of the
 * PDK (its path from the hook's folder, which differs with where the hook
 * is) written `// @ameide-ext/pdk/guest/<file>`: the same sources give the
 * same bundle, wherever they are. Lines are kept, so the source map holds.
 */
function namePdkByPackage(bundle: string, rootDir: string): string {
  return bundle.replace(/^\/\/ (\S+\.[cm]?[jt]s)$/gm, (line, file: string) => {
    const inPdk = path.relative(PDK_GUEST_DIR, path.resolve(rootDir, file));
    return inPdk.startsWith("..") || path.isAbsolute(inPdk)
      ? line
      : `// ${PDK_PACKAGE}/guest/${inPdk.split(path.sep).join("/")}`;
  });
}

interface EsbuildMessage {
  text: string;
  detail?: unknown;
  location?: { file: string; line: number; column: number; lineText: string; length: number } | null;
}

/** esbuild's failure as an ExtensionError: `forbidden_import` when the confinement refused an import. */
function bundleError(cause: unknown, entry: string, rootDir: string): ExtensionError {
  const errors = (cause as { errors?: EsbuildMessage[] }).errors;
  if (!errors) return new ExtensionError("internal", `esbuild failed: ${String(cause)}`);
  const located = errors.map((e) => ({
    file: e.location ? path.resolve(rootDir, e.location.file) : entry,
    line: e.location?.line ?? 1,
    column: (e.location?.column ?? 0) + 1,
    sourceLine: e.location?.lineText ?? "",
    length: Math.max(1, e.location?.length ?? 1),
  }));
  // One refusal per import and reason: a count of files an import matched would describe the host's folders.
  const seen = new Set<string>();
  const forbidden = errors.flatMap((e, i) => {
    const at = located[i] as (typeof located)[number];
    const key = `${at.file}:${at.line}:${at.column}:${e.text}`;
    if ((e.detail !== FORBIDDEN_IMPORT_DETAIL && e.detail !== NODE_BUILTIN_DETAIL) || seen.has(key))
      return [];
    seen.add(key);
    return [{ ...at, e }];
  });
  if (forbidden.length > 0) {
    return forbiddenImportError(
      forbidden.map(({ e, ...at }) => ({
        ...at,
        specifier: importedSpecifier(at.sourceLine, at.column, at.length),
        why: e.text,
        ...(e.detail === NODE_BUILTIN_DETAIL ? { code: NODE_BUILTIN_CODE } : {}),
      })),
      rootDir,
    );
  }
  // The generated entry imports the hook's run: an error there is the hook's missing (or unexported) run.
  const missingRun = errors.find((e) => e.location?.file === GENERATED_ENTRY);
  if (missingRun !== undefined) return missingRunError(missingRun, entry, rootDir);
  return compileError(
    errors.map((e, i) => ({
      ...(located[i] as (typeof located)[number]),
      message: e.text,
      code: "ESBUILD",
      severity: "error",
    })),
    rootDir,
  );
}

/** esbuild's message about the generated entry's `import { run }`, as the hook's own PDK1 diagnostic. */
function missingRunError(message: EsbuildMessage, entry: string, rootDir: string): ExtensionError {
  const cause = /^No matching export|will always be undefined/.test(message.text)
    ? "it exports no `run`"
    : message.text;
  return compileError([missingRunDiagnostic(entry, rootDir, cause)], rootDir);
}

/** The specifier esbuild's location points at (the quoted string in the import), without its quotes. */
function importedSpecifier(lineText: string, column: number, length: number): string {
  return lineText.slice(column - 1, column - 1 + length).replace(/^["'`]|["'`]$/g, "");
}

async function componentize(bundle: string): Promise<Uint8Array> {
  const { componentize: qjs } = await import("componentize-qjs");
  // The module's path ends up in the QuickJS snapshot: a path derived from the bundle alone
  // (and the user's id) keeps it out of the differences between builds.
  // In a folder of this user's alone: the bundle is the tenant's code.
  const dir = path.join(
    await privateScratchDir("ameide-ext-ts"),
    createHash("sha256").update(bundle).digest("hex").slice(0, 24),
  );
  try {
    await mkdir(dir, { recursive: true });
    const witPath = path.join(dir, "extension.wit");
    const jsPath = path.join(dir, "hook.js");
    await writeFile(witPath, readContractWit());
    await writeFile(jsPath, bundle);
    // The sync runtime, made reproducible (deterministic-qjs-runtime.ts); the built-in one if it cannot be.
    const runtime = await deterministicQjsRuntime();
    const { component } = await qjs({
      witPath,
      jsSource: bundle,
      jsPath,
      world: WORLD_NAME,
      ...(runtime === undefined ? { sync: true } : { runtimeBytes: Buffer.from(runtime) }),
      stubWasi: true,
    });
    return new Uint8Array(component);
  } catch (cause) {
    throw new ExtensionError(
      "internal",
      `componentize-qjs could not make a component of the hook: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function checkOptions(options: BuildTypeScriptOptions): Promise<{ entry: string; rootDir: string }> {
  const { entry } = options;
  if (typeof entry !== "string" || !path.isAbsolute(entry) || !entry.endsWith(".ts")) {
    throw new ExtensionError(
      "invalid_argument",
      `entry must be an absolute path to a .ts file, got ${JSON.stringify(entry)}`,
    );
  }
  const entryDir = path.dirname(entry);
  const rootDir = path.resolve(
    options.rootDir ?? (path.basename(entryDir) === "src" ? path.dirname(entryDir) : entryDir),
  );
  const found = await stat(entry).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!found) throw new ExtensionError("invalid_argument", `entry ${entry} does not exist or is not a file`);
  return { entry, rootDir };
}
