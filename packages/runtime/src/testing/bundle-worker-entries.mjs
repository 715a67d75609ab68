// Test support: `node bundle-worker-entries.mjs <entry.ts>...` bundles each of the runtime's worker entries
// (its TypeScript sources and the workspace packages they import, by the `source` condition) into one
// ES module, and prints the manifest (below) as JSON. worker-script.ts runs it when the runtime runs from
// its sources (tests) and the last manifest is out of date: a worker then starts from plain JavaScript,
// where loading tsx in each worker meant an esbuild process and a transform of every source file, per
// worker (the runtime's suites: 230 s of tests before, 170 s after, by vitest's own timings). npm
// packages stay imports, resolved from the runtime's folder.
// A bundle is named for the sha256 of its text, so processes bundling the same sources share it and a
// changed source makes a new one. manifest.json lists, per entry, its bundle and the size and mtime of each
// file that decided it (its sources, taken before each was read; this script; esbuild's package.json; the
// workspace's package.json and tsconfig files), which worker-script.ts checks before reusing it.
import { createHash, randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
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

/** Size and mtime of each file read, taken before it is read: a file saved during the build is seen as changed. */
const stats = {};
const statOf = (path) => {
  const st = statSync(path);
  stats[path] ??= [st.size, st.mtimeMs];
};

/**
 * Each of our source files keeps its own `import.meta.url` (a bundle has one for all): the contract reads
 * its WIT file next to its sources by it. Any other `import.meta` property fails the build (the runtime
 * then falls back to tsx), rather than pointing into the cache.
 */
const ownUrls = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes("/node_modules/")) return undefined;
      statOf(args.path);
      const text = readFileSync(args.path, "utf8");
      const other = /import\.meta\.(?!url\b)\w+/.exec(text);
      if (other) return { errors: [{ text: `${other[0]} has no meaning in a bundle (${args.path})` }] };
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: text.replaceAll("import.meta.url", url), loader: "ts" };
    });
  },
};

/**
 * What else decides a bundle: this script, esbuild's version, and the workspace's package.json files
 * (their exports) and tsconfig files.
 */
function settingsFiles() {
  const root = join(runtimeDir, "..", "..");
  const files = [
    fileURLToPath(import.meta.url),
    createRequire(import.meta.url).resolve("esbuild/package.json"),
  ];
  files.push(join(root, "tsconfig.base.json"));
  for (const dir of readdirSync(join(root, "packages"))) {
    for (const name of ["package.json", "tsconfig.json"]) {
      const path = join(root, "packages", dir, name);
      if (existsSync(path)) files.push(path);
    }
  }
  return files;
}

/** Writes `text` to `file` whole or not at all (another process may read it meanwhile). */
function writeWhole(file, text) {
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const manifest = {};
mkdirSync(outDir, { recursive: true });
const settings = settingsFiles();
for (const path of settings) statOf(path);
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
  for (const path of [
    ...settings,
    ...Object.keys(result.metafile.inputs).map((i) => resolve(process.cwd(), i)),
  ]) {
    statOf(path);
    inputs[path] = stats[path];
  }
  const text = result.outputFiles[0].text;
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const file = join(outDir, `${basename(entry, ".ts")}-${hash}.mjs`);
  if (!existsSync(file)) writeWhole(file, text);
  manifest[entry] = { file, inputs };
}
writeWhole(join(outDir, "manifest.json"), JSON.stringify(manifest));
process.stdout.write(JSON.stringify(manifest));
