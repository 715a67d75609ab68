import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { HookLanguage } from "../hook-manifest/manifest-schema.js";
import type { HookFs } from "../toolkit-deps.js";
import type { HookLayout } from "./hook-layout.js";

/** What `dist/<id>.build.json` records about a build. */
export interface BuildStamp {
  /** The hook's id. */
  id: string;
  /** sha256 of `dist/<id>.wasm`, lowercase hex. */
  sha256: string;
  /** Size of the component in bytes. */
  bytes: number;
  /** Digest of everything the component was built from (the hook's src/, its language, the PDK, the compiler, the optimize flag). */
  inputs: string;
  /**
   * Files outside `src/` the component was bundled from (a TypeScript hook's
   * npm dependencies), by path relative to the hook's folder, each with its
   * sha256: the build is stale when one of them changes. Absent when none.
   */
  dependencies?: Record<string, string>;
}

const STAMP_VERSION = "2";

/** Per language: the compilers' packages and the PDK's sources whose change makes every build stale. */
const TOOLCHAINS: Readonly<Record<HookLanguage, { packages: string[]; pdkDir: string }>> = {
  assemblyscript: { packages: ["assemblyscript"], pdkDir: "assembly" },
  typescript: { packages: ["typescript", "esbuild", "componentize-qjs"], pdkDir: "guest" },
};

const toolchains = new Map<HookLanguage, string>();

/** The PDK's sources and version and the compilers' versions: a rebuild is due when they change. */
function toolchainDigest(lang: HookLanguage): string {
  const known = toolchains.get(lang);
  if (known !== undefined) return known;
  const hash = createHash("sha256").update(`stamp:${STAMP_VERSION}\nlang:${lang}\n`);
  try {
    const require = createRequire(import.meta.url);
    const pdkPackage = require.resolve("@ameide-ext/pdk/package.json");
    hash.update(readFileSync(pdkPackage));
    const fromPdk = createRequire(pdkPackage);
    for (const name of TOOLCHAINS[lang].packages)
      hash.update(`${name}\n`).update(readFileSync(fromPdk.resolve(`${name}/package.json`)));
    const sources = path.join(path.dirname(pdkPackage), TOOLCHAINS[lang].pdkDir);
    for (const name of readdirSorted(sources))
      hash.update(`${name}\n`).update(readFileSync(path.join(sources, name)));
  } catch {
    // Unknown toolchain: the digest still covers the hook's sources; `ameide-ext build` always recompiles.
    hash.update("toolchain:unknown");
  }
  const digest = hash.digest("hex");
  toolchains.set(lang, digest);
  return digest;
}

function readdirSorted(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".ts"))
    .sort();
}

/**
 * Digest of every file under `src/` (names and contents), the language and
 * its toolchain, and the optimize flag (AssemblyScript's only).
 */
export async function inputsDigest(
  layout: HookLayout,
  fs: HookFs,
  lang: HookLanguage,
  optimize: boolean,
): Promise<string> {
  const hash = createHash("sha256")
    .update(toolchainDigest(lang))
    .update(lang === "assemblyscript" && !optimize ? "O0\n" : "O3\n");
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await fs.readdir(dir)).sort()) {
      const file = path.join(dir, name);
      const kind = await fs.kind(file);
      if (kind === "dir") await walk(file);
      else if (kind === "file") {
        hash.update(`${path.relative(layout.srcDir, file)}\n`).update(await fs.readBytes(file));
      }
    }
  };
  await walk(layout.srcDir);
  return hash.digest("hex");
}

/** The built component in `dist/`, when its stamp says it was built from exactly `inputs`; else undefined. */
export async function readFreshBuild(
  layout: HookLayout,
  fs: HookFs,
  inputs: string,
): Promise<{ component: Uint8Array; stamp: BuildStamp } | undefined> {
  try {
    const stamp = JSON.parse(await fs.readText(layout.stamp)) as Partial<BuildStamp>;
    if (stamp.inputs !== inputs || typeof stamp.sha256 !== "string") return undefined;
    const component = await fs.readBytes(layout.wasm);
    if (sha256Hex(component) !== stamp.sha256) return undefined;
    for (const [rel, sha256] of Object.entries(stamp.dependencies ?? {})) {
      if (sha256Hex(await fs.readBytes(path.resolve(layout.dir, rel))) !== sha256) return undefined;
    }
    return { component, stamp: stamp as BuildStamp };
  } catch {
    return undefined;
  }
}

/**
 * The files of `inputs` (absolute) outside `src/` and outside `excludeDir`
 * (the PDK, which the toolchain digest covers), each with its sha256, by path
 * relative to the hook's folder; undefined when there are none.
 */
export async function dependencyDigests(
  layout: HookLayout,
  fs: HookFs,
  inputs: readonly string[],
  excludeDir: string,
): Promise<Record<string, string> | undefined> {
  const inside = (dir: string, file: string) => !path.relative(dir, file).startsWith("..");
  const out: Record<string, string> = {};
  for (const file of inputs) {
    if (inside(layout.srcDir, file) || inside(excludeDir, file)) continue;
    out[path.relative(layout.dir, file).split(path.sep).join("/")] = sha256Hex(await fs.readBytes(file));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Writes `dist/<id>.wasm` and its stamp. */
export async function writeBuild(layout: HookLayout, fs: HookFs, component: Uint8Array, stamp: BuildStamp) {
  await fs.writeFile(layout.wasm, component);
  await fs.writeFile(layout.stamp, `${JSON.stringify(stamp, null, 2)}\n`);
}
