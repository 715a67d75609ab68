import path from "node:path";
import { PDK_GUEST_DIR } from "./hook-tsconfig.js";
import { PDK_PACKAGE } from "./pdk-sources.js";

/** A source map (version 3) as esbuild writes it, with the fields this module reads or sets. */
interface SourceMapV3 {
  version: 3;
  sources: string[];
  mappings: string;
  names: string[];
  /** Indices of `sources` that are the build's own code, which a stack trace leaves out (ECMA-426 `ignoreList`). */
  ignoreList?: number[];
}

/**
 * The source map of a hook's bundle, said for the hook's folder: esbuild's
 * `sources` (relative to `rootDir`, the bundle's folder) kept for the hook's
 * own files and packages (`src/index.ts`, `node_modules/x/index.js`), the
 * guest PDK named `@ameide-ext/pdk/guest/<file>` (never a path of the
 * machine that built it), and the PDK and the `generatedEntry` listed in
 * `ignoreList`: the build's wrapper, which stacks mapped for the author leave out.
 */
export function relocateSourceMap(mapText: string, rootDir: string, generatedEntry: string): string {
  const map = JSON.parse(mapText) as SourceMapV3;
  const ignoreList: number[] = [];
  const sources = map.sources.map((source, i) => {
    if (source === generatedEntry) {
      ignoreList.push(i);
      return source;
    }
    const file = path.resolve(rootDir, source);
    const inPdk = path.relative(PDK_GUEST_DIR, file);
    if (inPdk.startsWith("..") || path.isAbsolute(inPdk)) return source.split(path.sep).join("/");
    ignoreList.push(i);
    return `${PDK_PACKAGE}/guest/${inPdk.split(path.sep).join("/")}`;
  });
  return JSON.stringify({ version: 3, sources, names: map.names, mappings: map.mappings, ignoreList });
}
