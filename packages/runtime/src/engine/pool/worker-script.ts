import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const here = import.meta.url;
/** True when the runtime runs from its TypeScript sources (tests): workers then load tsx first. */
export const sourceMode = here.endsWith(".ts");

/**
 * The code of a worker whose entry is `entry` (a module URL without its extension, e.g.
 * `new URL("./load-entry", import.meta.url)`): the built entry, or (when running from TypeScript
 * sources, in tests) tsx first, then the entry. Pass `eval` and, in source mode,
 * `--conditions=source` in execArgv (see {@link workerExecArgv}).
 */
export function workerScript(entry: URL): { script: URL | string; eval: boolean } {
  const entryUrl = new URL(`${entry.href}${sourceMode ? ".ts" : ".js"}`);
  if (!sourceMode) return { script: entryUrl, eval: false };
  const tsxRoot = dirname(createRequire(here).resolve("tsx/package.json"));
  const tsx = pathToFileURL(join(tsxRoot, "dist/esm/api/index.mjs")).href;
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entryUrl.href)}); })`;
  return { script: code, eval: true };
}

/** The execArgv of a worker: the `source` export condition in source mode, so it imports sources like its parent. */
export function workerExecArgv(): string[] {
  return sourceMode ? ["--conditions=source"] : [];
}
