import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { HookFs } from "../deps.js";
import type { HookLayout } from "./hook-layout.js";

/** What `dist/<id>.build.json` records about a build. */
export interface BuildStamp {
  /** The hook's id. */
  id: string;
  /** sha256 of `dist/<id>.wasm`, lowercase hex. */
  sha256: string;
  /** Size of the component in bytes. */
  bytes: number;
  /** Digest of everything the component was built from (the hook's src/, the PDK, the compiler, the optimize flag). */
  inputs: string;
}

const STAMP_VERSION = "1";

let toolchain: string | undefined;

/** The PDK's sources and version and the compiler's version: a rebuild is due when they change. */
function toolchainDigest(): string {
  if (toolchain !== undefined) return toolchain;
  const hash = createHash("sha256").update(`stamp:${STAMP_VERSION}\n`);
  try {
    const require = createRequire(import.meta.url);
    const pdkPackage = require.resolve("@ameide-ext/pdk/package.json");
    hash.update(readFileSync(pdkPackage));
    const ascPackage = createRequire(pdkPackage).resolve("assemblyscript/package.json");
    hash.update(readFileSync(ascPackage));
    const assembly = path.join(path.dirname(pdkPackage), "assembly");
    for (const name of readdirSorted(assembly))
      hash.update(`${name}\n`).update(readFileSync(path.join(assembly, name)));
  } catch {
    // Unknown toolchain: the digest still covers the hook's sources; `ameide-ext build` always recompiles.
    hash.update("toolchain:unknown");
  }
  toolchain = hash.digest("hex");
  return toolchain;
}

function readdirSorted(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".ts"))
    .sort();
}

/** Digest of every file under `src/` (names and contents), the toolchain, and the optimize flag. */
export async function inputsDigest(layout: HookLayout, fs: HookFs, optimize: boolean): Promise<string> {
  const hash = createHash("sha256")
    .update(toolchainDigest())
    .update(optimize ? "O3\n" : "O0\n");
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
    const sha256 = createHash("sha256").update(component).digest("hex");
    if (sha256 !== stamp.sha256) return undefined;
    return { component, stamp: stamp as BuildStamp };
  } catch {
    return undefined;
  }
}

/** Writes `dist/<id>.wasm` and its stamp. */
export async function writeBuild(layout: HookLayout, fs: HookFs, component: Uint8Array, stamp: BuildStamp) {
  await fs.writeFile(layout.wasm, component);
  await fs.writeFile(layout.stamp, `${JSON.stringify(stamp, null, 2)}\n`);
}
