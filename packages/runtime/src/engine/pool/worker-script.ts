import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = import.meta.url;
/** True when the runtime runs from its TypeScript sources (tests): workers then start from a bundle of them. */
export const sourceMode = here.endsWith(".ts");

/** The worker entries, bundled once per process in source mode (see bundledEntries). */
const ENTRIES = ["../load/load-entry.ts", "./worker-entry.ts"].map((p) => fileURLToPath(new URL(p, here)));
const BUNDLER = fileURLToPath(new URL("../../testing/bundle-worker-entries.mjs", here));
const MANIFEST = fileURLToPath(
  new URL("../../../node_modules/.cache/ameide-ext-worker-bundles/manifest.json", here),
);

/** What bundle-worker-entries.mjs writes: per entry, its bundle and the size and mtime of each source file in it. */
type Manifest = Record<string, { file: string; inputs: Record<string, [number, number]> }>;
let bundles: Manifest | null | undefined;

/** The last manifest, when every entry's bundle exists and none of its source files changed since. */
function currentManifest(): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(MANIFEST, "utf8")) as Manifest;
    for (const entry of ENTRIES) {
      const m = manifest[entry];
      if (m === undefined) return undefined;
      statSync(m.file);
      for (const [path, [size, mtimeMs]] of Object.entries(m.inputs)) {
        const st = statSync(path);
        if (st.size !== size || st.mtimeMs !== mtimeMs) return undefined;
      }
    }
    return manifest;
  } catch {
    return undefined;
  }
}

/**
 * Source mode only: each worker entry bundled into one ES module of plain
 * JavaScript (testing/bundle-worker-entries.mjs, run when a source file
 * changed), so a worker starts without a TypeScript loader of its own. null
 * when bundling failed: workers then load tsx, as before (slower: a transform per worker).
 */
function bundledEntries(): Manifest | null {
  if (bundles !== undefined) return bundles;
  bundles = currentManifest() ?? null;
  if (bundles !== null) return bundles;
  try {
    bundles = JSON.parse(
      execFileSync(process.execPath, [BUNDLER, ...ENTRIES], { encoding: "utf8" }),
    ) as Manifest;
  } catch (cause) {
    process.stderr.write(`worker-script: bundling the worker entries failed, workers load tsx: ${cause}\n`);
  }
  return bundles;
}

/**
 * The code of a worker whose entry is `entry` (a module URL without its extension, e.g.
 * `new URL("./load-entry", import.meta.url)`): the built entry; or, when running from TypeScript
 * sources (tests), the entry's bundle (or tsx first, then the entry, when there is none). Pass `eval` and,
 * in source mode, `--conditions=source` in execArgv (see {@link workerExecArgv}).
 */
export function workerScript(entry: URL): { script: URL | string; eval: boolean } {
  const entryUrl = new URL(`${entry.href}${sourceMode ? ".ts" : ".js"}`);
  if (!sourceMode) return { script: entryUrl, eval: false };
  const bundle = bundledEntries()?.[fileURLToPath(entryUrl)];
  if (bundle !== undefined) return { script: pathToFileURL(bundle.file), eval: false };
  const tsxRoot = dirname(createRequire(here).resolve("tsx/package.json"));
  const tsx = pathToFileURL(join(tsxRoot, "dist/esm/api/index.mjs")).href;
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entryUrl.href)}); })`;
  return { script: code, eval: true };
}

/** The execArgv of a worker: the `source` export condition in source mode, so it imports sources like its parent. */
export function workerExecArgv(): string[] {
  return sourceMode ? ["--conditions=source"] : [];
}
