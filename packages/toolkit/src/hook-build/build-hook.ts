import type { BuildDiagnostic } from "@ameide-ext/pdk";
import type { EventSink } from "../hook-events.js";
import type { HookManifest } from "../hook-manifest/manifest-schema.js";
import type { ToolkitDeps } from "../toolkit-deps.js";
import { resolveHookDir, validateHook, WORLD } from "./prepare-hook.js";

/** Options of {@link buildHook}. */
export interface BuildHookOptions {
  /** The hook's folder, absolute or relative to `deps.cwd`. Default: the working directory. */
  dir?: string;
  /** asc -O3 (AssemblyScript only). Default true; false builds faster, runs slower. */
  optimize?: boolean;
  /** Progress events. */
  onEvent?: EventSink;
}

/** A built and validated hook. */
export interface BuildHookResult {
  /** Always true: failures throw. */
  ok: true;
  /** Absolute path of the hook's folder. */
  dir: string;
  /** The manifest, defaults filled in. */
  manifest: HookManifest;
  /** Absolute path of `dist/<id>.wasm`. */
  wasm: string;
  /** sha256 of the component, lowercase hex. */
  sha256: string;
  /** Size of the component in bytes. */
  bytes: number;
  /** The runtime's module-size limit in bytes. */
  bytesLimit: number;
  /** Compile time in milliseconds. */
  durationMs: number;
  /** The world the component targets, `ameide:extension/extension@1.0.0`. */
  world: string;
  /** Compiler warnings. */
  warnings: BuildDiagnostic[];
}

/**
 * `ameide-ext build`: checks the manifest, compiles `src/index.ts` to a
 * component in the manifest's `lang` (AssemblyScript, or TypeScript run by
 * QuickJS), checks it with the runtime's `validateComponent` and the
 * manifest's limits (the contract check: what a load checks, with no engine
 * made), and writes `dist/<id>.wasm`. Always compiles.
 *
 * Throws an ExtensionError: `invalid_argument/invalid_manifest` (bad
 * manifest), `not_found` (no hook there), `invalid_argument/compile_error`
 * with `details.diagnostics`, `invalid_argument/forbidden_import`, or the
 * engine's refusal of the component (`invalid_argument/module_size`…).
 */
export async function buildHook(options: BuildHookOptions, deps: ToolkitDeps): Promise<BuildHookResult> {
  const dir = resolveHookDir(options.dir, deps.cwd);
  const { build, loaded } = await validateHook(
    { dir, rebuild: true, optimize: options.optimize ?? true },
    deps,
    options.onEvent ?? (() => {}),
  );
  return {
    ok: true,
    dir,
    manifest: loaded.manifest,
    wasm: build.wasm,
    sha256: build.sha256,
    bytes: build.bytes,
    bytesLimit: build.bytesLimit,
    durationMs: build.durationMs,
    world: WORLD,
    warnings: build.warnings,
  };
}
