// Test support: `node bundle-worker-entries.mjs <entry.ts>...` bundles each of the runtime's worker entries
// (its TypeScript sources and the workspace packages they import, by the `source` condition) into one
// ES module, and prints {entry: file} as JSON. worker-script.ts runs it once per process when the runtime
// runs from its sources (tests): a worker then starts from plain JavaScript, where loading tsx in each
// worker (an esbuild process and a transform of every source file, per worker) took ~0.5 s a worker on the
// 2-CPU machine. npm packages stay imports, resolved from the runtime's folder. A file is named for the
// sha256 of its text, so processes bundling the same sources share it and a changed source makes a new one;
// manifest.json lists each bundle's source files with their size and mtime, which worker-script.ts checks
// to reuse a bundle without running this again.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const runtimeDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const outDir = join(runtimeDir, "node_modules", ".cache", "ameide-ext-worker-bundles");

/** Bare imports of npm packages stay imports; the workspace's packages are bundled from their sources. */
const npmExternal = {
  name: "npm-external",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@ameide-ext/") ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * Each of our source files keeps its own `import.meta.url` (a bundle has one for all): the contract reads
 * its WIT file next to its sources by it.
 */
const ownUrls = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes("/node_modules/")) return undefined;
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: readFileSync(args.path, "utf8").replaceAll("import.meta.url", url), loader: "ts" };
    });
  },
};

/** Writes `text` to `file` whole or not at all (another process may read it meanwhile). */
function writeWhole(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const manifest = {};
mkdirSync(outDir, { recursive: true });
for (const entry of process.argv.slice(2)) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    conditions: ["source"],
    write: false,
    logLevel: "error",
    metafile: true,
    plugins: [npmExternal, ownUrls],
  });
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = resolve(process.cwd(), input);
    const st = statSync(path);
    inputs[path] = [st.size, st.mtimeMs];
  }
  const text = result.outputFiles[0].text;
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const file = join(outDir, `${basename(entry, ".ts")}-${hash}.mjs`);
  if (!existsSync(file)) writeWhole(file, text);
  manifest[entry] = { file, inputs };
}
writeWhole(join(outDir, "manifest.json"), JSON.stringify(manifest));
process.stdout.write(JSON.stringify(manifest));
