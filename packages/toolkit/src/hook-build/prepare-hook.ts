import path from "node:path";
import {
  DEFAULT_SIZE_LIMITS,
  ExtensionError,
  type ExtensionLimits,
  WIT_PACKAGE,
  WORLD_NAME,
} from "@ameide-ext/contract";
import type { BuildDiagnostic } from "@ameide-ext/pdk";
import type { Engine, LoadedExtension } from "@ameide-ext/runtime";
import type { EventSink } from "../hook-events.js";
import { type LoadedManifest, loadManifest } from "../hook-manifest/load-manifest.js";
import type { HookLanguage } from "../hook-manifest/manifest-schema.js";
import type { ToolkitDeps } from "../toolkit-deps.js";
import { type BuildStamp, inputsDigest, readFreshBuild, writeBuild } from "./build-cache.js";
import { compileHook } from "./compile-hook.js";
import { displayPath, type HookLayout, hookLayout } from "./hook-layout.js";

/** The world every component targets, as `build` reports it. */
export const WORLD = `${WIT_PACKAGE.replace(/@.*$/, "")}/${WORLD_NAME}@${WIT_PACKAGE.replace(/^.*@/, "")}`;

/** What `src/index.ts` exports, by language, for messages. */
const RUN_SIGNATURES: Readonly<Record<HookLanguage, string>> = {
  assemblyscript: "run(input: string): string",
  typescript: 'run(input: Json) (with Json from "@ameide-ext/pdk")',
};

/** A component ready to run: built (or found fresh in dist/) and accepted by the engine. */
export interface BuiltComponent {
  /** Absolute path of `dist/<id>.wasm`. */
  wasm: string;
  /** sha256 of the component, lowercase hex. */
  sha256: string;
  /** Size of the component in bytes. */
  bytes: number;
  /** The module-size limit of the runtime (16 MiB). */
  bytesLimit: number;
  /** True when dist/ already held a build of exactly these sources. */
  cached: boolean;
  /** Compile time in milliseconds (0 when cached). */
  durationMs: number;
  /** Compiler warnings. */
  warnings: BuildDiagnostic[];
}

/** A hook loaded into an engine. The caller closes `engine`. */
export interface PreparedHook extends ValidatedHook {
  /** An engine holding the component, with the manifest's limits. */
  engine: Engine;
  /** The loaded extension. */
  ext: LoadedExtension;
}

/** Options of {@link prepareHook}. */
export interface PrepareHookOptions {
  /** Absolute path of the hook's folder. */
  dir: string;
  /** Compile even when dist/ holds a fresh build. */
  rebuild: boolean;
  /** asc -O3 (true) or no optimization; AssemblyScript only. */
  optimize: boolean;
}

/** A hook built and accepted by the runtime's check, with no engine: what `build` needs. */
export interface ValidatedHook {
  /** Where its files are. */
  layout: HookLayout;
  /** The checked manifest. */
  loaded: LoadedManifest;
  /** The component. */
  build: BuiltComponent;
}

/**
 * Reads and checks the manifest, compiles `src/index.ts` in the manifest's
 * `lang` (unless dist/ has a build of exactly these sources), loads the component into a new engine
 * with the manifest's limits (the contract check), and writes
 * `dist/<id>.wasm` when it compiled. For `test` and `run`, which then invoke it.
 */
export async function prepareHook(
  opts: PrepareHookOptions,
  deps: ToolkitDeps,
  emit: EventSink,
): Promise<PreparedHook> {
  let engine: Engine | undefined;
  let ext: LoadedExtension | undefined;
  const made = await makeHook(opts, deps, emit, async (component, sha256, limits) => {
    const { createEngine } = await import("@ameide-ext/runtime");
    engine = createEngine();
    try {
      ext = await engine.load(component, { sha256, limits });
    } catch (cause) {
      await engine.close();
      throw ExtensionError.from(cause);
    }
  });
  return { ...made, engine: engine as Engine, ext: ext as LoadedExtension };
}

/**
 * As {@link prepareHook}, but the contract check is the runtime's
 * `validateComponent` with the manifest's limits: no engine is made. For `build`.
 */
export function validateHook(
  opts: PrepareHookOptions,
  deps: ToolkitDeps,
  emit: EventSink,
): Promise<ValidatedHook> {
  return makeHook(opts, deps, emit, async (component, sha256, limits) => {
    const { validateComponent } = await import("@ameide-ext/runtime");
    const valid = await validateComponent(component, limits).catch((cause: unknown) => {
      throw ExtensionError.from(cause);
    });
    // validateComponent digests the bytes itself; a build whose cache stamp disagrees is not this component.
    if (valid.sha256 !== sha256)
      throw new ExtensionError(
        "failed_precondition",
        `dist/ holds a component whose sha256 is ${valid.sha256}, its stamp says ${sha256}`,
        "integrity",
      );
  });
}

/** The runtime's check of a component, with the manifest's limits: resolves when accepted, throws its refusal. */
type CheckComponent = (
  component: Uint8Array,
  sha256: string,
  limits: Partial<ExtensionLimits>,
) => Promise<void>;

/** The work prepareHook and validateHook share: manifest, compile (or the fresh build in dist/), `check`, write. */
async function makeHook(
  opts: PrepareHookOptions,
  deps: ToolkitDeps,
  emit: EventSink,
  check: CheckComponent,
): Promise<ValidatedHook> {
  const { fs } = deps;
  const show = (file: string) => displayPath(deps.cwd, file);
  if ((await fs.kind(opts.dir)) !== "dir") {
    throw new ExtensionError("not_found", `${show(opts.dir)} does not exist or is not a folder`, undefined, {
      dir: opts.dir,
    });
  }
  const loaded = await loadManifest(opts.dir, fs, show(opts.dir));
  const { manifest } = loaded;
  emit({ type: "manifest", dir: opts.dir, manifest });
  const layout = hookLayout(opts.dir, manifest.id);
  if ((await fs.kind(layout.entry)) !== "file") {
    throw new ExtensionError(
      "not_found",
      `${show(layout.entry)} does not exist: a hook's code is src/index.ts, which exports ${RUN_SIGNATURES[manifest.lang]}`,
      undefined,
      { file: layout.entry },
    );
  }

  const inputs = await inputsDigest(layout, fs, manifest.lang, opts.optimize);
  const fresh = opts.rebuild ? undefined : await readFreshBuild(layout, fs, inputs);
  let component: Uint8Array;
  let sha256: string;
  let durationMs = 0;
  let warnings: BuildDiagnostic[] = [];
  let dependencies: Record<string, string> | undefined;
  let sourceMap: string | undefined;
  if (fresh) {
    component = fresh.component;
    sha256 = fresh.stamp.sha256;
  } else {
    emit({ type: "compile-start", entry: layout.entry });
    const build = await compileHook(layout, manifest.lang, opts.optimize, fs);
    ({ component, sha256, durationMs, warnings, dependencies, sourceMap } = build);
  }
  const bytesLimit = DEFAULT_SIZE_LIMITS.moduleBytes;
  emit({
    type: "compile-done",
    cached: fresh !== undefined,
    durationMs,
    bytes: component.byteLength,
    bytesLimit,
    sha256,
    warnings,
  });

  const started = deps.now();
  await check(component, sha256, {
    cpuMillis: manifest.limits.cpu_millis,
    memoryMb: manifest.limits.memory_mb,
    timeoutMs: manifest.limits.timeout_ms,
  });
  emit({ type: "validate-done", durationMs: deps.now() - started, world: WORLD });
  if (!fresh) {
    const stamp: BuildStamp = { id: manifest.id, sha256, bytes: component.byteLength, inputs };
    if (dependencies !== undefined) stamp.dependencies = dependencies;
    await writeBuild(layout, fs, component, stamp);
    if (sourceMap !== undefined) await fs.writeFile(layout.sourceMap, sourceMap);
    emit({ type: "wasm-written", file: layout.wasm });
  }
  return {
    layout,
    loaded,
    build: {
      wasm: layout.wasm,
      sha256,
      bytes: component.byteLength,
      bytesLimit,
      cached: !!fresh,
      durationMs,
      warnings,
    },
  };
}

/** Resolves the `[dir]` argument against the working directory (default: the working directory). */
export function resolveHookDir(dir: string | undefined, cwd: string): string {
  return path.resolve(cwd, dir ?? ".");
}
