// Test support: npm packages as local tarballs, and a hook folder that depends on them, made offline. Internal.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The npm CLI shipped with this node, run with it: no PATH lookup. */
const NPM_CLI = join(process.execPath, "..", "..", "lib", "node_modules", "npm", "bin", "npm-cli.js");

/** `threshold()` returns 50 000: a pure-JS ES module with its types, the dependency of the tests. */
export const PURE_JS_PACKAGE = {
  name: "tiny-threshold",
  files: {
    "index.js": "export function threshold() { return 50_000; }\n",
    "index.d.ts": "export declare function threshold(): number;\n",
  },
};

/**
 * Packs an npm package (`name@1.0.0`, ES module, `index.js` and `index.d.ts`) made of `files` with
 * `npm pack` into `<hookDir>/vendor/`, and returns its `file:` specifier relative to the hook.
 * `scripts` go in its package.json (an install script, for the refusal tests).
 */
export async function packTarball(
  hookDir: string,
  pkg: { name: string; files: Record<string, string>; scripts?: Record<string, string> },
): Promise<string> {
  const src = await mkdtemp(join(tmpdir(), "ameide-npm-pkg-"));
  try {
    const manifest = {
      name: pkg.name,
      version: "1.0.0",
      type: "module",
      main: "index.js",
      types: "index.d.ts",
      ...(pkg.scripts ? { scripts: pkg.scripts } : {}),
    };
    await writeFile(join(src, "package.json"), JSON.stringify(manifest, null, 2));
    for (const [name, text] of Object.entries(pkg.files)) await writeFile(join(src, name), text);
    await mkdir(join(hookDir, "vendor"), { recursive: true });
    npm(["pack", "--pack-destination", join(hookDir, "vendor")], src);
    return `file:vendor/${pkg.name}-1.0.0.tgz`;
  } finally {
    await rm(src, { recursive: true, force: true });
  }
}

/**
 * Declares `deps` (name → specifier) in the hook's package.json (made when missing) and runs
 * `npm install --offline --ignore-scripts` there, as an author would, so package-lock.json exists.
 */
export async function installInHook(hookDir: string, deps: Record<string, string>): Promise<void> {
  const file = join(hookDir, "package.json");
  const current = await readFile(file, "utf8").then(
    (t) => JSON.parse(t) as Record<string, unknown>,
    () => ({ name: "hook", private: true }),
  );
  await writeFile(file, JSON.stringify({ ...current, dependencies: deps }, null, 2));
  npm(["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], hookDir);
}

function npm(args: string[], cwd: string): void {
  execFileSync(process.execPath, [NPM_CLI, ...args, "--loglevel=error"], { cwd, stdio: "pipe" });
}
