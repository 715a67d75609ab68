// Test support: runs our packages from their TypeScript sources in a child process: the CLI
// (`node --conditions=source --import ./register-source-loader.mjs packages/cli/src/main.ts`, its e2e
// tests and scripts/demo.mjs) and the registry's compile child, which runs the toolkit's sources
// (packages/registry/src/compile/spawn-compile-child.ts). One copy, here, because the toolkit is below both.
// So the tests need no build. esbuild strips the types of our .ts/.tsx
// files one by one (nothing is type-checked: `tsc` does that); every other
// file is left to Node. tsx does the same job but also runs large
// dependencies through its transform (binaryen's 13 MB), which costs seconds
// per process. Each file's JavaScript is kept on disk, by the sha256 of its text and of the options
// (node_modules/.cache/ameide-ext-source-loader), so a process whose files have not changed starts no
// esbuild at all.
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { transform, version } from "esbuild";

const CACHE_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "..",
  "node_modules",
  ".cache",
  "ameide-ext-source-loader",
);

const ours = (url) => url.startsWith("file:") && !url.includes("/node_modules/");

/** A relative `./x.js` import from one of our sources resolves to `./x.ts` or `./x.tsx` when that exists. */
export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent && ours(parent) && specifier.endsWith(".js") && /^\.\.?\//.test(specifier)) {
    for (const ext of [".ts", ".tsx"]) {
      const url = new URL(`${specifier.slice(0, -3)}${ext}`, parent);
      if (existsSync(fileURLToPath(url))) return { url: url.href, format: "module", shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

/** Our .ts/.tsx sources become ES modules; everything else loads as usual. */
export async function load(url, context, nextLoad) {
  if (ours(url) && /\.tsx?$/.test(url)) {
    const file = fileURLToPath(url);
    return { format: "module", source: await javascriptOf(file, url.endsWith(".tsx")), shortCircuit: true };
  }
  return nextLoad(url, context);
}

/** `file`'s TypeScript stripped to JavaScript: from the cache when the same text was stripped before. */
async function javascriptOf(file, tsx) {
  const text = await readFile(file, "utf8");
  const options = {
    loader: tsx ? "tsx" : "ts",
    format: "esm",
    target: "es2022",
    jsx: "automatic",
    sourcefile: file,
    sourcemap: "inline",
  };
  const key = createHash("sha256")
    .update(JSON.stringify([version, options]))
    .update(text)
    .digest("hex");
  const cached = join(CACHE_DIR, `${key}.js`);
  try {
    const code = await readFile(cached, "utf8");
    if (code !== "") return code;
  } catch {
    // not stripped yet
  }
  const { code } = await transform(text, options);
  try {
    // Whole or not at all: another process or thread may read it meanwhile.
    const tmp = `${cached}.${randomUUID()}.tmp`;
    await mkdir(CACHE_DIR, { recursive: true });
    await writeFile(tmp, code);
    await rename(tmp, cached);
  } catch {
    // A cache that cannot be written (read-only, full) only costs the next process a transform.
  }
  return code;
}
