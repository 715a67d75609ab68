import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DEFAULT_SIZE_LIMITS, ExtensionError } from "@ameide-ext/contract";
import type { CompileOutcome, Compiler } from "../domain/create-registry.js";
import type {
  DiagnosticRecord,
  RevisionRecord,
  SourceLanguageName,
  TestResultRecord,
} from "../domain/types.js";
import { checkManifest } from "./check-manifest.js";
import { checkModulePolicy } from "./check-module-policy.js";
import type { ChildWarning, CompileChildMessage } from "./compile-child-message.js";
import { diag, diagnosticsOf } from "./compile-diagnostics.js";
import {
  type DependencyOptions,
  type DependencySettings,
  dependencySettings,
  installDependencies,
} from "./install-dependencies.js";
import { type ModuleWriter, moduleKey } from "./module-writer.js";
import { spawnCompileChild } from "./spawn-compile-child.js";

/** Options of {@link createCompileWorker}. */
export interface CompileWorkerOptions {
  /** Where built modules go. */
  modules: ModuleWriter;
  /** Parent of the per-compile work folders. Default the OS temp folder. */
  workDir?: string | undefined;
  /** Largest module stored, in bytes. Default the runtime's module-size limit (16 MiB). */
  maxModuleBytes?: number | undefined;
  /** Compiles at once; more wait in line. Default 1 (a compile is CPU-bound). */
  concurrency?: number | undefined;
  /** Wall-clock limit of one compile (build and fixtures, in its child process), ms. Default 120 000. */
  timeoutMs?: number | undefined;
  /** Largest result a compile's child process may send back, bytes. Default 64 MiB. */
  maxOutputBytes?: number | undefined;
  /**
   * The install of a hook's npm dependencies (`npm ci --ignore-scripts` of its package-lock.json,
   * pure-JS packages only): the npm registry, time limit and size caps. Defaults in
   * {@link DependencyOptions}.
   */
  dependencies?: DependencyOptions | undefined;
}

/** Default wall-clock limit of one compile, ms: a TypeScript build takes seconds, fixtures milliseconds each. */
export const DEFAULT_COMPILE_TIMEOUT_MS = 120_000;
/** Default cap on what a compile's child sends back: the component in base64 (≤ 16 MiB → 22 MiB) and the fixtures' results. */
export const DEFAULT_COMPILE_OUTPUT_BYTES = 64 * 1024 * 1024;

const require = createRequire(import.meta.url);

/** `name@version` of an npm package the PDK builds with, or the bare name when it cannot be read. */
function pinned(name: string): string {
  try {
    const pdk = createRequire(require.resolve("@ameide-ext/pdk/package.json"));
    return `${name}@${(pdk(`${name}/package.json`) as { version: string }).version}`;
  } catch {
    return name;
  }
}

/** The pinned toolchain of each language, as CompileResult.toolchain reports it. */
export const TOOLCHAINS: Readonly<Record<SourceLanguageName, string>> = {
  assemblyscript: pinned("assemblyscript"),
  typescript: ["typescript", "esbuild", "componentize-qjs"].map(pinned).join(" "),
};

/**
 * The Compile Worker of spec 479 §7.2 stage 3. For a revision it: writes the
 * sources and manifest to a work folder; checks the manifest against the
 * definition (id, kind, risk tier, host calls, limits); installs the npm
 * packages the hook's package-lock.json names into its node_modules, pure-JS
 * only (`installDependencies`, issue #14); compiles with the
 * pinned toolchain and loads the component into the runtime engine (the
 * contract check) and runs every fixture under the manifest's limits, which
 * is exactly `ameide-ext test` (the CLI's `testHook`), in a child process
 * with an empty environment whose cwd is a 0700 scratch folder holding only
 * the upload (see `spawnCompileChild`); checks statically that
 * the code's use of `host.call` matches the declared host calls and that the
 * size limit holds; and, when all pass, stores the module at
 * `extensions/<tenant>/<extension>/<version>.wasm` and returns its
 * `wasm_blob_ref` with `#sha256=`. A build is deterministic: the same sources
 * give the same bytes.
 */
export function createCompileWorker(options: CompileWorkerOptions): Compiler {
  const settings = compileSettings(options);
  const slots = createSlots(settings.concurrency);
  return async (rev, signal) => {
    await slots.take();
    let work: string | undefined;
    try {
      const startedAt = new Date().toISOString();
      const base = options.workDir ?? tmpdir();
      await mkdir(base, { recursive: true });
      // The child's scratch folder: the owner's alone, holding the uploaded sources and nothing else.
      work = await mkdtemp(join(base, "ameide-compile-"));
      await chmod(work, 0o700);
      return await compileIn(join(work, rev.extensionId), rev, { ...settings, startedAt, signal });
    } finally {
      // The slot goes back whatever failed, the scratch folder's making included: else compiles queue forever.
      if (work !== undefined) await rm(work, { recursive: true, force: true });
      slots.release();
    }
  };
}

/** The checked settings of a compile worker, defaults filled in. */
interface CompileSettings {
  modules: ModuleWriter;
  maxBytes: number;
  concurrency: number;
  timeoutMs: number;
  maxOutputBytes: number;
  dependencies: DependencySettings;
}

/** Fills in the defaults of `options` and checks them, once, when the worker is built. */
function compileSettings(options: CompileWorkerOptions): CompileSettings {
  const maxBytes = options.maxModuleBytes ?? DEFAULT_SIZE_LIMITS.moduleBytes;
  const concurrency = options.concurrency ?? 1;
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMPILE_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_COMPILE_OUTPUT_BYTES;
  for (const [name, value] of [
    ["timeoutMs", timeoutMs],
    ["maxOutputBytes", maxOutputBytes],
  ] as const)
    if (!Number.isInteger(value) || value < 1)
      throw new ExtensionError("invalid_argument", `${name} is ${value}, it must be a whole number ≥ 1`);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ExtensionError(
      "invalid_argument",
      `concurrency is ${concurrency}, it must be a whole number ≥ 1`,
    );
  const dependencies = dependencySettings(options.dependencies);
  for (const [name, value] of [
    ["dependencies.timeoutMs", dependencies.timeoutMs],
    ["dependencies.maxBytes", dependencies.maxBytes],
    ["dependencies.maxFiles", dependencies.maxFiles],
  ] as const)
    if (!Number.isInteger(value) || value < 1)
      throw new ExtensionError("invalid_argument", `${name} is ${value}, it must be a whole number ≥ 1`);
  return { modules: options.modules, maxBytes, concurrency, timeoutMs, maxOutputBytes, dependencies };
}

/** At most `concurrency` holders at once; more wait in line, first come first served. */
function createSlots(concurrency: number): { take(): Promise<void>; release(): void } {
  let running = 0;
  const waiting: Array<() => void> = [];
  return {
    async take() {
      if (running >= concurrency) await new Promise<void>((r) => waiting.push(r));
      running++;
    },
    release() {
      running--;
      waiting.shift()?.();
    },
  };
}

/** One compile's settings: the worker's, when it started and what cancels it. */
interface CompileRun extends CompileSettings {
  startedAt: string;
  signal: AbortSignal | undefined;
}

/**
 * Compiles `rev` in `dir`, the hook's folder inside a scratch folder: the manifest check, the build
 * and fixtures in the child, the static policy; stores the module when all pass.
 */
async function compileIn(dir: string, rev: RevisionRecord, run: CompileRun): Promise<CompileOutcome> {
  const diagnostics: DiagnosticRecord[] = [];
  const tests: TestResultRecord[] = [];
  let moduleBytes = 0;
  const done = (ok: boolean, extra: Partial<CompileOutcome> = {}): CompileOutcome => ({
    record: {
      status: ok ? "succeeded" : "failed",
      toolchain: TOOLCHAINS[rev.language === "" ? "assemblyscript" : rev.language],
      diagnostics,
      tests,
      moduleBytes: ok ? moduleBytes : 0,
      startedAt: run.startedAt,
      finishedAt: new Date().toISOString(),
    },
    ...extra,
  });
  await writeSources(dir, rev.sources);
  const checked = checkManifest(rev);
  diagnostics.push(...checked.diagnostics);
  if (checked.manifest === undefined || diagnostics.length > 0) return done(false);
  // The registry numbers versions; the built module says which one it is.
  await writeFile(
    join(dir, "extension.json"),
    `${JSON.stringify({ ...checked.manifest, version: rev.version }, null, 2)}\n`,
  );

  // The hook's npm packages, where `ameide-ext build` finds them: its own node_modules, made from the
  // lockfile alone. The CLI uploads none; one in an upload would be packages nobody checked.
  await rm(join(dir, "node_modules"), { recursive: true, force: true });
  diagnostics.push(...(await installDependencies(dir, join(dirname(dir), ".deps"), run.dependencies)));
  if (diagnostics.length > 0) return done(false);

  const build = await buildInChild(dir, run);
  if (build.t === "failed") {
    diagnostics.push(...build.diagnostics);
    return done(false);
  }
  const result = build.built;
  diagnostics.push(...warningDiagnostics(result.warnings, dir));
  tests.push(...result.tests);
  // Static policy: what the code imports against what the definition declares.
  const component = new Uint8Array(Buffer.from(result.componentBase64, "base64"));
  moduleBytes = component.byteLength;
  diagnostics.push(...checkModulePolicy({ rev, component, fixtures: tests.length, maxBytes: run.maxBytes }));
  const ok = result.ok && !diagnostics.some((d) => d.severity === "error");
  if (!ok) return done(false);
  const ref = await run.modules.put(moduleKey(rev.tenantId, rev.extensionId, rev.version), component);
  // The hash of the bytes stored, computed here: the child's word is not trusted for it.
  const sha256 = createHash("sha256").update(component).digest("hex");
  return done(true, { wasmBlobRef: `${ref}#sha256=${sha256}`, sha256 });
}

/** Writes the uploaded sources under `dir`, each at its `/`-separated path. */
async function writeSources(dir: string, sources: RevisionRecord["sources"]): Promise<void> {
  for (const f of sources) {
    const file = join(dir, ...f.path.split("/"));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, Buffer.from(f.contentBase64, "base64"));
  }
}

type BuiltMessage = Extract<CompileChildMessage, { t: "built" }>;

/** Builds and tests the hook in `dir` in a child process: what it built, or the diagnostics of why not. */
async function buildInChild(
  dir: string,
  run: CompileRun,
): Promise<{ t: "built"; built: BuiltMessage } | { t: "failed"; diagnostics: DiagnosticRecord[] }> {
  const { timeoutMs, maxOutputBytes, signal } = run;
  const child = await spawnCompileChild({ dir, timeoutMs, maxOutputBytes, signal });
  if (child.t === "failed") return { t: "failed", diagnostics: [diag("build", child.reason, child.message)] };
  const result = child.message;
  if (result.t === "refused") {
    const e = ExtensionError.from(result.error);
    if (e.code === "invalid_argument" && e.reason === "invalid_input")
      return { t: "failed", diagnostics: [diag("build", "invalid_input", e.message)] };
    return { t: "failed", diagnostics: diagnosticsOf(e, dir) };
  }
  if (result.t !== "built") {
    const message = "the compile process sent a result of an unknown kind";
    return { t: "failed", diagnostics: [diag("build", "compile_crashed", message)] };
  }
  return { t: "built", built: result };
}

/** The compiler's warnings as `build` diagnostics, their paths relative to the hook's `dir`. */
function warningDiagnostics(warnings: readonly ChildWarning[], dir: string): DiagnosticRecord[] {
  return warnings.map((w) =>
    diag("build", "compile_error", `${w.code} ${w.message}`, "warning", {
      path: w.file.startsWith(`${dir}/`) ? w.file.slice(dir.length + 1) : w.file,
      line: w.line,
      column: w.column,
    }),
  );
}
