// Test support: runs our packages from their TypeScript sources in a child process: the CLI
// (`node --conditions=source --import ./register-source-loader.mjs packages/cli/src/main.ts`, its e2e
// tests and scripts/demo.mjs) and the registry's compile child, which runs the toolkit's sources
// (packages/registry/src/compile/spawn-compile-child.ts). One copy, here, because the toolkit is below both.
// So the tests need no build. esbuild strips the types of our .ts/.tsx
// files one by one (nothing is type-checked: `tsc` does that); every other
// file is left to Node. tsx does the same job but also runs large
// dependencies through its transform (binaryen's 13 MB), which costs seconds
// per process.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

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
    const { code } = await transform(await readFile(file, "utf8"), {
      loader: url.endsWith(".tsx") ? "tsx" : "ts",
      format: "esm",
      target: "es2022",
      jsx: "automatic",
      sourcefile: file,
      sourcemap: "inline",
    });
    return { format: "module", source: code, shortCircuit: true };
  }
  return nextLoad(url, context);
}
