// The TypeScript guest's facts, light to import (the subpath @ameide-ext/pdk/tsconfig): `ameide-ext new`
// writes a hook's tsconfig.json without loading the compiler.
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The TypeScript guest PDK, bundled into every TypeScript hook as `@ameide-ext/pdk`. */
export const PDK_GUEST_DIR: string = fileURLToPath(new URL("../../guest/", import.meta.url));

/** The guest PDK's module, what `@ameide-ext/pdk` means in a TypeScript hook. */
export const PDK_GUEST_ENTRY: string = path.join(PDK_GUEST_DIR, "index.ts");

/** The declarations of the host interface the guest PDK imports (`ameide:extension/host@1.0.0`). */
export const PDK_GUEST_HOST_TYPES: string = path.join(PDK_GUEST_DIR, "host.d.ts");

/**
 * The compiler options a TypeScript hook is type-checked with, in tsconfig.json
 * form: strict, ES2022 with no DOM and no Node types (a hook has neither), module
 * resolution as a bundler does it. `buildTypeScript` checks with exactly these,
 * and {@link createHookTsconfig} writes them for editors.
 */
export const HOOK_COMPILER_OPTIONS = Object.freeze({
  strict: true,
  noImplicitOverride: true,
  noEmit: true,
  target: "ES2022",
  module: "ESNext",
  moduleResolution: "Bundler",
  lib: ["ES2022"],
  types: [],
  skipLibCheck: true,
} as const);

/** A hook's tsconfig.json, as {@link createHookTsconfig} makes it. */
export interface HookTsconfig {
  /** {@link HOOK_COMPILER_OPTIONS}, and `paths` mapping `@ameide-ext/pdk` to the guest PDK. */
  compilerOptions: typeof HOOK_COMPILER_OPTIONS & { paths: Record<string, string[]> };
  /** `src` and the host interface's declarations. */
  include: string[];
}

/**
 * The tsconfig.json of a TypeScript hook in `rootDir` (absolute), so an
 * editor type-checks `src/` as `buildTypeScript` does: the same options, and
 * `@ameide-ext/pdk` mapped to the guest PDK of this package by a path
 * relative to `rootDir` (absolute when they share no folder but the root).
 * The build itself never reads it.
 */
export function createHookTsconfig(rootDir: string): HookTsconfig {
  const depth = path.resolve(rootDir).split(path.sep).filter(Boolean).length;
  const rel = (file: string) => {
    const r = path.relative(rootDir, file).split(path.sep).join("/");
    // With no folder in common but the root, the absolute path says more than a climb to it.
    if (r.split("/").filter((p) => p === "..").length >= depth) return file;
    return r.startsWith(".") ? r : `./${r}`;
  };
  return {
    compilerOptions: { ...HOOK_COMPILER_OPTIONS, paths: { "@ameide-ext/pdk": [rel(PDK_GUEST_ENTRY)] } },
    include: ["src", rel(PDK_GUEST_HOST_TYPES)],
  };
}
