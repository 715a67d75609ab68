import { setFlagsFromString } from "node:v8";
import { ExtensionError } from "@ameide-ext/pdk/contract";
import { sha256Hex } from "../engine/compile-extension.js";
import { instrumentModule, type MeterMode } from "../wasm/instrument-module.js";
import { transpileComponent } from "./jco.js";

/**
 * A component whose guest is more than one core module (componentize-qjs
 * makes 13: the QuickJS runtime as a shared library, wit-dylib, WASI stubs,
 * wit-component shims). The runtime does not interpret the component model's
 * linking itself: jco transpiles the component once into glue that wires the
 * core modules, and the engine hands that glue its own metered modules.
 */
export interface LinkPlan {
  /** The glue's source, as jco generated it (one `instantiate` function, no imports). */
  glue: string;
  /** The component's core modules, by the name the glue asks for. */
  modules: Map<string, Uint8Array>;
}

/** `instantiate(getCoreModule, imports, instantiateCore)`, as jco's sync glue exports it. */
export type GlueInstantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (module: WebAssembly.Module, imports: Record<string, unknown>) => WebAssembly.Instance,
) => Record<string, unknown>;

const decoder = new TextDecoder();

/** Transpiles a component into a {@link LinkPlan}. */
export async function planLink(component: Uint8Array): Promise<LinkPlan> {
  let files: Record<string, Uint8Array>;
  try {
    ({ files } = await transpileComponent(component, {
      name: "guest",
      instantiation: "sync",
      noTypescript: true,
      base64Cutoff: 0,
      quiet: true,
    }));
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `the component cannot be linked: ${cause instanceof Error ? cause.message : String(cause)}`,
      "invalid_module",
    );
  }
  const glueBytes = files["guest.js"];
  if (!glueBytes)
    throw new ExtensionError("internal", "jco produced no glue for the component", "invalid_module");
  const modules = new Map<string, Uint8Array>();
  for (const [name, bytes] of Object.entries(files)) {
    if (name.endsWith(".wasm")) modules.set(name, bytes);
  }
  return { glue: decoder.decode(glueBytes), modules };
}

const EXPORT_LINE = /^export (function instantiate|const _util)\b/gm;

/**
 * Turns the glue's source into its `instantiate` function. The glue is code
 * jco generated from the component's structure; it has no imports and exports
 * exactly `instantiate` (and `_util`), which is checked before it is run.
 */
export function evaluateGlue(glue: string): GlueInstantiate {
  const exported = [...glue.matchAll(/^export\s+(\S+\s+\S+)/gm)].map((m) => m[1]);
  const unexpected = exported.filter(
    (e) => e !== "function instantiate(getCoreModule," && e !== "const _util",
  );
  if (
    /^import\s/m.test(glue) ||
    unexpected.length > 0 ||
    !exported.includes("function instantiate(getCoreModule,")
  ) {
    throw new ExtensionError(
      "invalid_argument",
      "the component's linking glue has an unexpected shape",
      "invalid_module",
    );
  }
  const body = `${glue.replace(EXPORT_LINE, (_, decl: string) => decl)}\nreturn instantiate;`;
  return new Function(body)() as GlueInstantiate;
}

/** One core module of a linked component, metered with shared counters and compiled. */
export interface LinkedModule {
  module: WebAssembly.Module;
  /** Exports of its mutable globals, for the snapshot. */
  snapshotGlobals: string[];
  /** When true the component is instantiated afresh for every run. */
  mutatesTables: boolean;
}

/** A linked component ready to instantiate: its glue, and its modules by name. Plain data: it can be posted to a worker. */
export interface LinkedExtension {
  glue: string;
  modules: Map<string, LinkedModule>;
  /** The memory cap of each memory, in bytes. */
  memoryLimitBytes: number;
}

let extendedConst = false;

/**
 * Meters and compiles every core module of a {@link LinkPlan}: the counters are
 * imported (shared by all modules, one budget), memories are capped at
 * `memoryMb`. Modules are cached by sha256 by the caller when it wants to (the
 * QuickJS runtime module is the same in every JavaScript hook).
 */
export function compileLinked(
  plan: LinkPlan,
  options: { memoryMb: number; maxCallDepth: number; meter?: MeterMode },
  cache?: Map<string, LinkedModule>,
): LinkedExtension {
  if (!extendedConst) {
    // Toolchains for JavaScript guests emit extended constant expressions, behind a flag in Node 20's V8.
    setFlagsFromString("--experimental-wasm-extended-const");
    extendedConst = true;
  }
  const modules = new Map<string, LinkedModule>();
  for (const [name, bytes] of plan.modules) {
    const key = `${sha256Hex(bytes)}:${options.memoryMb}:${options.meter ?? "block"}`;
    let linked = cache?.get(key);
    if (!linked) {
      const out = instrumentModule(bytes, {
        maxMemoryPages: options.memoryMb * 16,
        maxCallDepth: options.maxCallDepth,
        meter: options.meter ?? "block",
        counters: "imported",
      });
      let module: WebAssembly.Module;
      try {
        module = new WebAssembly.Module(out.bytes);
      } catch (cause) {
        throw new ExtensionError(
          "invalid_argument",
          `core module ${name} does not validate: ${cause instanceof Error ? cause.message : String(cause)}`,
          "invalid_module",
        );
      }
      linked = { module, snapshotGlobals: out.snapshotGlobals, mutatesTables: out.mutatesTables };
      cache?.set(key, linked);
    }
    modules.set(name, linked);
  }
  return { glue: plan.glue, modules, memoryLimitBytes: options.memoryMb * 16 * 65536 };
}
