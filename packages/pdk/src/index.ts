/**
 * @ameide-ext/pdk: the hook build library.
 *
 * The end-user API stops here. The PDKs themselves (what hooks import as
 * "@ameide-ext/pdk") live in `assembly/` (AssemblyScript) and `guest/`
 * (TypeScript); the contract (WIT world, limits, error type) is the light
 * package `@ameide-ext/contract`, of which the error type is re-exported
 * here because the build throws it. The TypeScript guest's compiler options
 * and editor configuration are also the light subpath `@ameide-ext/pdk/tsconfig`.
 */

export type { ErrorCode, ErrorReason, ExtensionErrorData } from "@ameide-ext/contract";
export { ExtensionError, isExtensionError } from "@ameide-ext/contract";
export type { AssemblyScriptBuild, BuildAssemblyScriptOptions } from "./hook-build/build-assemblyscript.js";
export { buildAssemblyScript } from "./hook-build/build-assemblyscript.js";
export type { BuildDiagnostic, DiagnosticSeverity } from "./hook-build/build-diagnostic.js";
export { formatBuildDiagnostic } from "./hook-build/build-diagnostic.js";
export type { BuildTypeScriptOptions, TypeScriptBuild } from "./hook-build/build-typescript.js";
export { buildTypeScript } from "./hook-build/build-typescript.js";
export { ALLOWED_CORE_IMPORTS } from "./hook-build/check-core-imports.js";
export { MISSING_RUN_CODE } from "./hook-build/compile-assemblyscript.js";
export type { HookTsconfig } from "./hook-build/hook-tsconfig.js";
export {
  createHookTsconfig,
  HOOK_COMPILER_OPTIONS,
  PDK_GUEST_DIR,
  PDK_GUEST_ENTRY,
  PDK_GUEST_HOST_TYPES,
} from "./hook-build/hook-tsconfig.js";
export { NODE_BUILTIN_CODE } from "./hook-build/node-builtins.js";
export { PDK_ASSEMBLY_DIR, PDK_PACKAGE } from "./hook-build/pdk-sources.js";
