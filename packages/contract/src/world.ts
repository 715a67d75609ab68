import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The WIT package of the guest contract. */
export const WIT_PACKAGE = "ameide:extension@1.0.0";
/** The world a guest component must target. */
export const WORLD_NAME = "extension";
/** The one interface a guest may import, as named in a component. */
export const HOST_INTERFACE = "ameide:extension/host@1.0.0";
/** The function a guest must export. */
export const RUN_EXPORT = "run";

/** Absolute path of the contract's WIT file, `wit/extension.wit` in this package. */
export const WIT_PATH: string = fileURLToPath(new URL("../wit/extension.wit", import.meta.url));

let witSource: string | undefined;

/** The text of the contract's WIT file, read once. */
export function readContractWit(): string {
  witSource ??= readFileSync(WIT_PATH, "utf8");
  return witSource;
}
