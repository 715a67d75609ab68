import path from "node:path";
import { MANIFEST_FILE } from "../hook-manifest/manifest-schema.js";

/** The folder holding the built component. */
export const DIST_DIR = "dist";

/** Where a hook's files are, by convention. */
export interface HookLayout {
  /** The hook's folder (absolute). */
  dir: string;
  /** `extension.json`. */
  manifest: string;
  /** The module the build compiles: `src/index.ts`. */
  entry: string;
  /** `src/`. */
  srcDir: string;
  /** The built component: `dist/<id>.wasm`. */
  wasm: string;
  /** What the component was built from, to tell when it is stale: `dist/<id>.build.json`. */
  stamp: string;
  /** A TypeScript hook's bundle's source map, to map a thrown error's stack to `src/`: `dist/<id>.js.map`. */
  sourceMap: string;
}

/** The layout of the hook in `dir` (absolute) whose id is `id`. */
export function hookLayout(dir: string, id: string): HookLayout {
  return {
    dir,
    manifest: path.join(dir, MANIFEST_FILE),
    entry: path.join(dir, "src", "index.ts"),
    srcDir: path.join(dir, "src"),
    wasm: path.join(dir, DIST_DIR, `${id}.wasm`),
    stamp: path.join(dir, DIST_DIR, `${id}.build.json`),
    sourceMap: path.join(dir, DIST_DIR, `${id}.js.map`),
  };
}

/** How to show an absolute path to the user: relative to `cwd` when that is shorter. */
export function displayPath(cwd: string, file: string): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  if (rel === "") return ".";
  return rel.length < file.length ? rel : file;
}
