import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DEFAULT_SIZE_LIMITS, ExtensionError, HOST_INTERFACE } from "@ameide-ext/contract";
import type { CompileOutcome, Compiler } from "../domain/create-registry.js";
import type {
  DiagnosticRecord,
  RevisionRecord,
  SourceLanguageName,
  TestResultRecord,
} from "../domain/types.js";
import { type ModuleWriter, moduleKey } from "./module-writer.js";
import { readCoreImports } from "./read-core-imports.js";
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

const CALL_IMPORT = `${HOST_INTERFACE}#call`;

function diag(
  step: DiagnosticRecord["step"],
  reason: string,
  message: string,
  severity: DiagnosticRecord["severity"] = "error",
  at: Partial<Pick<DiagnosticRecord, "path" | "line" | "column">> = {},
): DiagnosticRecord {
  return { step, severity, reason, message, path: at.path ?? "", line: at.line ?? 0, column: at.column ?? 0 };
}

/** Diagnostics of a build or check the CLI library refused. */
function diagnosticsOf(error: ExtensionError, dir: string): DiagnosticRecord[] {
  const details = error.details ?? {};
  // The build's refusals name each import at its file and line: one record each, like compile errors.
  const located = error.reason === "compile_error" || error.reason === "forbidden_import";
  if (located && Array.isArray(details.diagnostics)) {
    const reason = error.reason as string;
    return (details.diagnostics as Array<Record<string, unknown>>).map((d) => ({
      step: "build",
      severity: d.severity === "warning" ? "warning" : "error",
      reason,
      path: String(d.file ?? "").startsWith(`${dir}/`)
        ? String(d.file).slice(dir.length + 1)
        : String(d.file ?? ""),
      line: Number(d.line ?? 0),
      column: Number(d.column ?? 0),
      message: `${String(d.code ?? "")} ${String(d.message ?? "")}`.trim(),
    }));
  }
  if (error.reason === "invalid_manifest" && Array.isArray(details.problems)) {
    return (details.problems as Array<{ field: string; message: string }>).map((p) =>
      diag("policy_check", "invalid_manifest", `extension.json ${p.field}: ${p.message}`, "error", {
        path: "extension.json",
      }),
    );
  }
  const abi = [
    "forbidden_import",
    "missing_export",
    "contract_mismatch",
    "not_a_component",
    "invalid_module",
    "module_size",
    "unsupported_feature",
  ];
  const step = error.reason !== undefined && abi.includes(error.reason) ? "abi_check" : "build";
  return [diag(step, error.reason ?? error.code, error.message)];
}

function sameHostCalls(
  a: RevisionRecord["hostCalls"],
  b: Array<{ service: string; method: string }>,
): boolean {
  const key = (h: { service: string; method: string }) => `${h.service}/${h.method}`;
  const x = a.map(key).sort();
  const y = b.map(key).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The Compile Worker of spec 479 §7.2 stage 3. For a revision it: writes the
 * sources and manifest to a work folder; checks the manifest against the
 * definition (id, kind, risk tier, host calls, limits); compiles with the
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
  let running = 0;
  const waiting: Array<() => void> = [];
  const slot = async () => {
    if (running >= concurrency) await new Promise<void>((r) => waiting.push(r));
    running++;
  };
  const release = () => {
    running--;
    waiting.shift()?.();
  };

  return async (rev, signal) => {
    await slot();
    const startedAt = new Date().toISOString();
    const base = options.workDir ?? tmpdir();
    await mkdir(base, { recursive: true });
    // The child's scratch folder: the owner's alone, holding the uploaded sources and nothing else.
    const work = await mkdtemp(join(base, "ameide-compile-"));
    await chmod(work, 0o700);
    const dir = join(work, rev.extensionId);
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
        startedAt,
        finishedAt: new Date().toISOString(),
      },
      ...extra,
    });
    try {
      for (const f of rev.sources) {
        const file = join(dir, ...f.path.split("/"));
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, Buffer.from(f.contentBase64, "base64"));
      }
      // The manifest against the definition: the registry's record is what reviewers approve.
      let manifest: Record<string, unknown>;
      try {
        manifest = JSON.parse(rev.manifestJson) as Record<string, unknown>;
        if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
          throw new Error("not an object");
      } catch (cause) {
        diagnostics.push(
          diag(
            "policy_check",
            "invalid_manifest",
            `the manifest is not a JSON object: ${(cause as Error).message}`,
          ),
        );
        return done(false);
      }
      const mismatch = (field: string, got: unknown, want: unknown) =>
        diagnostics.push(
          diag(
            "policy_check",
            "invalid_manifest",
            `extension.json ${field} is ${JSON.stringify(got)}, the definition says ${JSON.stringify(want)}`,
            "error",
            { path: "extension.json" },
          ),
        );
      if (manifest.id !== rev.extensionId) mismatch("id", manifest.id, rev.extensionId);
      if (manifest.kind !== rev.kind) mismatch("kind", manifest.kind, rev.kind);
      if (manifest.risk_tier !== rev.riskTier) mismatch("risk_tier", manifest.risk_tier, rev.riskTier);
      // The toolchain follows the manifest's lang (testHook reads it): the upload must say the same.
      const lang = manifest.lang ?? "assemblyscript";
      if (lang !== rev.language) mismatch("lang", lang, rev.language);
      const declared = Array.isArray(manifest.host_calls)
        ? (manifest.host_calls as Array<{ service: string; method: string }>)
        : [];
      if (!sameHostCalls(rev.hostCalls, declared)) mismatch("host_calls", declared, rev.hostCalls);
      const limits = (manifest.limits ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(rev.limits))
        if (v && limits[k] !== v) mismatch(`limits.${k}`, limits[k], v);
      if (diagnostics.length > 0) return done(false);
      // The registry numbers versions; the built module says which one it is.
      await writeFile(
        join(dir, "extension.json"),
        `${JSON.stringify({ ...manifest, version: rev.version }, null, 2)}\n`,
      );

      const child = await spawnCompileChild({ dir, timeoutMs, maxOutputBytes, signal });
      if (child.t === "failed") {
        diagnostics.push(diag("build", child.reason, child.message));
        return done(false);
      }
      const result = child.message;
      if (result.t === "refused") {
        const e = ExtensionError.from(result.error);
        if (e.code === "invalid_argument" && e.reason === "invalid_input")
          diagnostics.push(diag("build", "invalid_input", e.message));
        else diagnostics.push(...diagnosticsOf(e, dir));
        return done(false);
      }
      if (result.t !== "built") {
        diagnostics.push(
          diag("build", "compile_crashed", "the compile process sent a result of an unknown kind"),
        );
        return done(false);
      }
      for (const w of result.warnings)
        diagnostics.push(
          diag("build", "compile_error", `${w.code} ${w.message}`, "warning", {
            path: w.file.startsWith(`${dir}/`) ? w.file.slice(dir.length + 1) : w.file,
            line: w.line,
            column: w.column,
          }),
        );
      tests.push(...result.tests);
      // Static policy: what the code imports against what the definition declares.
      const component = new Uint8Array(Buffer.from(result.componentBase64, "base64"));
      moduleBytes = component.byteLength;
      // A QuickJS component imports the whole host interface whether the hook calls host.call or not,
      // so its imports say nothing: for TypeScript the runtime's policy, which checks every call
      // against the allowlist, is the only check.
      const staticCheck = rev.language !== "typescript";
      const usesCall = staticCheck && readCoreImports(component).includes(CALL_IMPORT);
      if (usesCall && rev.hostCalls.length === 0)
        diagnostics.push(
          diag(
            "policy_check",
            "host_call_denied",
            `the code calls host.call, but the definition declares no host calls (risk tier ${rev.riskTier})`,
          ),
        );
      if (staticCheck && !usesCall && rev.hostCalls.length > 0)
        diagnostics.push(
          diag(
            "policy_check",
            "host_call_denied",
            `the definition declares ${rev.hostCalls.length} host call(s) the code never makes; declare only what it uses`,
            "warning",
          ),
        );
      if (rev.riskTier === "low" && rev.hostCalls.length > 0)
        diagnostics.push(diag("policy_check", "host_call_denied", "risk tier low allows no host calls"));
      if (rev.riskTier === "medium" && rev.hostCalls.some((h) => h.read_only !== true))
        diagnostics.push(
          diag("policy_check", "host_call_denied", "risk tier medium allows read-only host calls only"),
        );
      if (moduleBytes > maxBytes)
        diagnostics.push(
          diag(
            "policy_check",
            "module_size",
            `the module is ${moduleBytes} bytes, the limit is ${maxBytes} bytes`,
          ),
        );
      if (tests.length === 0)
        diagnostics.push(
          diag(
            "policy_check",
            "invalid_input",
            "no fixtures: add tests/*.json (every version is tested before it is stored)",
          ),
        );
      const ok = result.ok && !diagnostics.some((d) => d.severity === "error");
      if (!ok) return done(false);
      const ref = await options.modules.put(moduleKey(rev.tenantId, rev.extensionId, rev.version), component);
      // The hash of the bytes stored, computed here: the child's word is not trusted for it.
      const sha256 = createHash("sha256").update(component).digest("hex");
      return done(true, { wasmBlobRef: `${ref}#sha256=${sha256}`, sha256 });
    } finally {
      await rm(work, { recursive: true, force: true });
      release();
    }
  };
}
