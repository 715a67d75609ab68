import { setFlagsFromString } from "node:v8";
import { transpileComponent } from "@ameide-ext/component-tools";
import { ExtensionError } from "@ameide-ext/contract";
import { type FuncImport, instrumentModule, type MeterMode } from "../wasm/instrument-module.js";
import { sha256Hex } from "./sha256-hex.js";

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

const decoder = new TextDecoder();

/** Transpiles a component into a {@link LinkPlan}. */
export async function planLink(component: Uint8Array): Promise<LinkPlan> {
  let files: Record<string, Uint8Array>;
  try {
    ({ files } = await transpileComponent(component, {
      name: "guest",
      instantiation: "sync",
      emitTypescriptDeclarations: false,
      base64Cutoff: 0,
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

/** One core module of a linked component, metered with shared counters and compiled. */
export interface LinkedModule {
  module: WebAssembly.Module;
  /** Exports of its mutable globals, for the snapshot. */
  snapshotGlobals: string[];
  /** When true the component is instantiated afresh for every run. */
  mutatesTables: boolean;
  /** True when its code may drop a data or element segment (a restore does not undo a drop). */
  dropsSegments: boolean;
  /** Its function imports shaped like the host's lowered `log` or `call`, whatever their names (see host-import-guard.ts). */
  hostShaped: HostShapedImport[];
  /** Entries of its tables, their initial sizes together (see newInstanceFuel). */
  tableEntries: number;
  /** Its data segments (see newInstanceFuel). */
  dataSegments: number;
}

/** A function import with the core signature of the host's lowered `log` (4 i32) or `call` (7 i32), no results. */
export interface HostShapedImport {
  module: string;
  field: string;
  kind: "log" | "call";
}

/** The function imports of a module that have the host functions' core signatures. */
function hostShapedImports(imports: readonly FuncImport[]): HostShapedImport[] {
  const shaped: HostShapedImport[] = [];
  for (const { module, field, sig } of imports) {
    if (sig.results.length !== 0 || sig.params.some((p) => p !== "i32")) continue;
    if (sig.params.length === 4) shaped.push({ module, field, kind: "log" });
    else if (sig.params.length === 7) shaped.push({ module, field, kind: "call" });
  }
  return shaped;
}

/** A linked component ready to instantiate: its glue, and its modules by name. Plain data: it can be posted to a worker. */
export interface LinkedExtension {
  glue: string;
  modules: Map<string, LinkedModule>;
  /** The memory cap of each memory, in bytes. */
  memoryLimitBytes: number;
}

/**
 * Where {@link compileLinked} keeps metered modules between components, by
 * the module's sha256 and the metering options. A bounded LRU
 * (`createModuleCache`) fits.
 */
export interface LinkedModuleCache {
  get(key: string): LinkedModule | undefined;
  set(key: string, value: LinkedModule): void;
}

let extendedConst = false;

/**
 * Lets V8 compile extended constant expressions, which toolchains for
 * JavaScript guests emit: behind a flag in Node 20's V8 (shipped from V8 11.4).
 * V8's flags are process-wide; this sets it once per process.
 */
export function enableExtendedConst(): void {
  if (extendedConst) return;
  setFlagsFromString("--experimental-wasm-extended-const");
  extendedConst = true;
}

/** True when the process was started with its own choice about lazy compilation, which is then left alone. */
const lazyFlagGiven = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((arg) =>
  arg.includes("wasm-lazy-compilation"),
);

/**
 * Compiles every function of a module now (Liftoff), instead of on its first
 * call as V8 does by default. Lazily, a QuickJS hook's first invocation would
 * compile the interpreter's functions as it reaches them: tens to hundreds of
 * milliseconds, charged to an invocation whose limit is 100 ms by default.
 * The compiled code belongs to the module, which the pool's workers share.
 */
function compileEagerly(bytes: BufferSource): WebAssembly.Module {
  if (lazyFlagGiven) return new WebAssembly.Module(bytes);
  setFlagsFromString("--no-wasm-lazy-compilation");
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    setFlagsFromString("--wasm-lazy-compilation");
  }
}

/**
 * Meters and compiles every core module of a {@link LinkPlan}: the counters are
 * imported (shared by all modules, one budget), memories are capped at
 * `memoryMb`. With a `cache`, a module already metered with the same options
 * is reused rather than instrumented and compiled again: the QuickJS runtime
 * module (1.3 MB) is the same in every JavaScript hook.
 */
export function compileLinked(
  plan: LinkPlan,
  options: { memoryMb: number; maxCallDepth: number; meter?: MeterMode },
  cache?: LinkedModuleCache,
): LinkedExtension {
  enableExtendedConst();
  const meter = options.meter ?? "block";
  const modules = new Map<string, LinkedModule>();
  for (const [name, bytes] of plan.modules) {
    const key = `${sha256Hex(bytes)}:${options.memoryMb}:${options.maxCallDepth}:${meter}`;
    let linked = cache?.get(key);
    if (!linked) {
      const out = instrumentModule(bytes, {
        maxMemoryPages: options.memoryMb * 16,
        maxCallDepth: options.maxCallDepth,
        meter,
        counters: "imported",
      });
      let module: WebAssembly.Module;
      try {
        module = compileEagerly(out.bytes);
      } catch (cause) {
        throw new ExtensionError(
          "invalid_argument",
          `core module ${name} does not validate: ${cause instanceof Error ? cause.message : String(cause)}`,
          "invalid_module",
        );
      }
      linked = {
        module,
        snapshotGlobals: out.snapshotGlobals,
        mutatesTables: out.mutatesTables,
        dropsSegments: out.dropsSegments,
        hostShaped: hostShapedImports(out.imports),
        tableEntries: out.tableEntries,
        dataSegments: out.dataSegments,
      };
      cache?.set(key, linked);
    }
    modules.set(name, linked);
  }
  return { glue: plan.glue, modules, memoryLimitBytes: options.memoryMb * 16 * 65536 };
}
