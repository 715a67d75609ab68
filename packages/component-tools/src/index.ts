/**
 * `@ameide-ext/component-tools`: the one wrapper of jco (wasm-tools compiled
 * to a component, run on preview2-shim) for the runtime, which reads and links
 * components, and the PDK's build, which makes them. Light: jco's transpiler
 * and wasm-tools (`@bytecodealliance/jco-transpile`) and its shim, no compiler.
 * Not `@bytecodealliance/jco` itself: that one also installs componentize-js,
 * componentize-qjs, TypeScript and rolldown, which would land in the runtime
 * image (scripts/assemble-runtime.test.ts checks it holds none).
 */

import { readContractWit, WORLD_NAME } from "@ameide-ext/contract";
import { transpileBytes } from "@bytecodealliance/jco-transpile";
import { componentEmbed, componentNew, componentWit } from "@bytecodealliance/jco-transpile/wasm-tools";
import { _setPreopens } from "@bytecodealliance/preview2-shim/filesystem";

// The package's type entry is the browser build, whose preopens are in-memory trees; under Node the node
// build runs, which maps virtual to host paths. jco's wasm-tools runs on that WASI filesystem, which starts
// with no preopened directories: give it the host root once, on load. Every call here passes WIT as text
// and modules as bytes, so wasm-tools reads no file; this matters when jco shares this copy of the shim.
(_setPreopens as unknown as (preopens: Record<string, string>) => void)({ "/": "/" });

export {
  componentEmbed,
  componentNew,
  componentWit,
  parse,
  print,
} from "@bytecodealliance/jco-transpile/wasm-tools";

/** Options of {@link transpileComponent}: jco-transpile's. */
export type TranspileOptions = NonNullable<Parameters<typeof transpileBytes>[1]>;

/**
 * Transpiles a component into JavaScript glue and its core modules, as `jco transpile` does: a guest's
 * top-level `result` error is wrapped in a `ComponentError` unless `noComponentErrorWrapping` says
 * otherwise (jco's default, which jco-transpile alone turns around).
 */
export function transpileComponent(
  component: Uint8Array,
  options: TranspileOptions = {},
): ReturnType<typeof transpileBytes> {
  return transpileBytes(component, { noComponentErrorWrapping: false, ...options });
}

/** Embeds the contract's world into a core module and turns it into a component. */
export async function createComponent(core: Uint8Array): Promise<Uint8Array> {
  const embedded = await componentEmbed({
    binary: core,
    witSource: readContractWit(),
    world: WORLD_NAME,
    stringEncoding: "utf8",
  });
  return componentNew(embedded);
}

/** The WIT text of a component's world, as `wasm-tools component wit` prints it. */
export function readComponentWit(component: Uint8Array): Promise<string> {
  return componentWit(component);
}
