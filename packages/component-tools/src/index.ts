/**
 * `@ameide-ext/component-tools`: the one wrapper of jco (wasm-tools compiled
 * to a component, run on preview2-shim) for the runtime, which reads and links
 * components, and the PDK's build, which makes them. Light: jco and its shim,
 * no compiler.
 */

import { readContractWit, WORLD_NAME } from "@ameide-ext/contract";
import { componentEmbed, componentNew, componentWit } from "@bytecodealliance/jco";
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
  transpile as transpileComponent,
} from "@bytecodealliance/jco";

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
