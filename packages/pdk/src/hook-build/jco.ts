/**
 * The one place that talks to jco (wasm-tools compiled to a component and
 * run on preview2-shim). Internal to the build.
 */

import { readContractWit, WORLD_NAME } from "@ameide-ext/contract";
import { componentEmbed, componentNew, componentWit } from "@bytecodealliance/jco";
import { _setPreopens } from "@bytecodealliance/preview2-shim/filesystem";

// The package's type entry is the browser build, whose preopens are in-memory
// trees; under Node the node build runs, which maps virtual to host paths.
const setPreopens = _setPreopens as unknown as (preopens: Record<string, string>) => void;

let preopened = false;

// jco's wasm-tools runs on preview2-shim's WASI filesystem, which starts with
// no preopened directories; give it the host root once, before the first
// call. The build passes the WIT as text and the module as bytes, so
// wasm-tools needs no files; this matters when jco shares this package's copy
// of preview2-shim (npm may nest another copy under jco-transpile).
function preopen(): void {
  if (preopened) return;
  setPreopens({ "/": "/" });
  preopened = true;
}

/** Embeds the contract world into a core module and turns it into a component. */
export async function createComponent(core: Uint8Array): Promise<Uint8Array> {
  preopen();
  const embedded = await componentEmbed({
    binary: core,
    witSource: readContractWit(),
    world: WORLD_NAME,
    stringEncoding: "utf8",
  });
  return componentNew(embedded);
}

/** The WIT text of a component's world, as `wasm-tools component wit` prints it. */
export async function readComponentWit(component: Uint8Array): Promise<string> {
  preopen();
  return componentWit(component);
}
