import type { BuildDiagnostic } from "@ameide-ext/pdk";
import { PDK_GUEST_DIR } from "@ameide-ext/pdk/tsconfig";
import type { HookLanguage } from "../hook-manifest/manifest-schema.js";
import type { HookFs } from "../toolkit-deps.js";
import { dependencyDigests } from "./build-cache.js";
import type { HookLayout } from "./hook-layout.js";

/** A freshly compiled component, whatever the language. */
export interface CompiledHook {
  /** The component. */
  component: Uint8Array;
  /** Its sha256, lowercase hex. */
  sha256: string;
  /** Compile time in milliseconds. */
  durationMs: number;
  /** Compiler warnings (AssemblyScript's; a TypeScript build has errors or nothing). */
  warnings: BuildDiagnostic[];
  /** Files outside `src/` bundled into it, with their sha256 (see BuildStamp.dependencies). */
  dependencies: Record<string, string> | undefined;
  /** A TypeScript hook's source map (JSON), written to `dist/<id>.js.map`; undefined for AssemblyScript. */
  sourceMap: string | undefined;
}

/**
 * Compiles `src/index.ts` in the hook's language: AssemblyScript with asc and
 * jco (`optimize` is asc -O3), TypeScript with the type-checker, esbuild and
 * componentize-qjs (`optimize` does not apply). Throws what the build library
 * throws: `invalid_argument/compile_error` with `details.diagnostics`, …
 */
export async function compileHook(
  layout: HookLayout,
  lang: HookLanguage,
  optimize: boolean,
  fs: HookFs,
): Promise<CompiledHook> {
  // The compilers are heavy to load: only commands that compile pay for them.
  const { buildAssemblyScript, buildTypeScript } = await import("@ameide-ext/pdk");
  switch (lang) {
    case "assemblyscript": {
      const build = await buildAssemblyScript({ entry: layout.entry, rootDir: layout.dir, optimize });
      const { component, sha256, durationMs, warnings } = build;
      return { component, sha256, durationMs, warnings, dependencies: undefined, sourceMap: undefined };
    }
    case "typescript": {
      const build = await buildTypeScript({ entry: layout.entry, rootDir: layout.dir });
      const { component, sha256, durationMs, sourceMap } = build;
      const dependencies = await dependencyDigests(layout, fs, build.inputs, PDK_GUEST_DIR);
      return { component, sha256, durationMs, warnings: [], dependencies, sourceMap };
    }
  }
}
