import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { createComponent } from "@ameide-ext/component-tools";
import { ExtensionError } from "@ameide-ext/contract";
import type { BuildDiagnostic } from "./build-diagnostic.js";
import { checkCoreImports } from "./check-core-imports.js";
import { compileAssemblyScript } from "./compile-assemblyscript.js";

/** Options of {@link buildAssemblyScript}. */
export interface BuildAssemblyScriptOptions {
  /** Absolute path of the hook's module (usually `<hook>/src/index.ts`), which exports `run(input: string): string`. */
  entry: string;
  /**
   * Optimize the module for speed (asc -O3). Default true; false skips
   * optimization for a faster build and a larger, slower module.
   */
  optimize?: boolean;
  /**
   * Absolute path of the hook's folder; diagnostics name files relative to
   * it. Default: the parent of the entry's folder when that folder is `src`,
   * else the entry's folder. Must contain the entry.
   */
  rootDir?: string;
}

/** A built hook. */
export interface AssemblyScriptBuild {
  /** The component, targeting the world `ameide:extension/extension@1.0.0`. */
  component: Uint8Array;
  /** The core module inside it, with the canonical ABI (`run`, `cabi_realloc`, `cabi_post_run`, `memory`). */
  core: Uint8Array;
  /** SHA-256 of `component`, lowercase hex. */
  sha256: string;
  /** Size of `component` in bytes. */
  bytes: number;
  /** Wall-clock time of the build, in milliseconds. */
  durationMs: number;
  /** Compiler warnings; the build succeeded despite them. */
  warnings: BuildDiagnostic[];
}

/**
 * Builds a hook written in AssemblyScript into a component: asc compiles the
 * hook with the PDK to a core module (stub runtime, canonical ABI), then jco
 * embeds the contract world and makes the component. The same sources give
 * byte-identical output.
 *
 * Throws an {@link ExtensionError}: `invalid_argument` / `compile_error` with
 * `details.diagnostics` when the hook does not compile (or lacks
 * `run(input: string): string`), `invalid_argument` / `forbidden_import`
 * when it uses an API the contract does not offer (Math.random, Date.now,
 * console) or imports a file outside its folder, a package above it or one
 * its package.json does not declare (asc reads nothing else: see
 * `createConfinedAscReader`), `invalid_argument` for bad options, `internal`
 * otherwise.
 */
export async function buildAssemblyScript(options: BuildAssemblyScriptOptions): Promise<AssemblyScriptBuild> {
  const started = performance.now();
  const { entry, rootDir, optimize } = await checkOptions(options);
  const { core, warnings } = await compileAssemblyScript({ entry, rootDir, optimize });
  checkCoreImports(core);
  let component: Uint8Array;
  try {
    component = await createComponent(core);
  } catch (cause) {
    throw new ExtensionError("internal", `jco could not make a component of the hook: ${describe(cause)}`);
  }
  return {
    component,
    core,
    sha256: createHash("sha256").update(component).digest("hex"),
    bytes: component.byteLength,
    durationMs: performance.now() - started,
    warnings,
  };
}

async function checkOptions(
  options: BuildAssemblyScriptOptions,
): Promise<Required<BuildAssemblyScriptOptions>> {
  const { entry } = options;
  if (typeof entry !== "string" || !path.isAbsolute(entry) || !entry.endsWith(".ts")) {
    throw new ExtensionError(
      "invalid_argument",
      `entry must be an absolute path to a .ts file, got ${JSON.stringify(entry)}`,
    );
  }
  if (
    options.rootDir !== undefined &&
    (typeof options.rootDir !== "string" || !path.isAbsolute(options.rootDir))
  ) {
    throw new ExtensionError(
      "invalid_argument",
      `rootDir must be an absolute path, got ${JSON.stringify(options.rootDir)}`,
    );
  }
  if (options.optimize !== undefined && typeof options.optimize !== "boolean") {
    throw new ExtensionError(
      "invalid_argument",
      `optimize must be a boolean, got ${JSON.stringify(options.optimize)}`,
    );
  }
  const entryDir = path.dirname(entry);
  const rootDir = path.resolve(
    options.rootDir ?? (path.basename(entryDir) === "src" ? path.dirname(entryDir) : entryDir),
  );
  const relative = path.relative(rootDir, entry);
  if (relative.startsWith("..") || path.isAbsolute(relative)) {
    throw new ExtensionError("invalid_argument", `entry ${entry} is outside rootDir ${rootDir}`);
  }
  const found = await stat(entry).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!found) {
    throw new ExtensionError("invalid_argument", `entry ${entry} does not exist or is not a file`);
  }
  return { entry, rootDir, optimize: options.optimize ?? true };
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
