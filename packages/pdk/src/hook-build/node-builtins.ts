import { isBuiltin } from "node:module";
import type { BuildDiagnostic } from "./build-diagnostic.js";

/** The diagnostic code of a Node built-in module or global a TypeScript hook uses. */
export const NODE_BUILTIN_CODE = "PDK3";

/** Why a Node built-in is refused, and what to do instead, said once for imports and globals. */
export const NODE_BUILTIN_RULE =
  "Node built-ins do not exist in hooks (a hook has no file system, network, process or clock): ask the host through host.call, or use a pure-JavaScript npm package";

/**
 * Whether `spec` names one of Node's built-in modules: `node:fs`, `fs`,
 * `fs/promises`. A bare name such as `events` is also an npm package, which a
 * hook may declare and bundle: the caller refuses it only when the hook does not.
 */
export function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || isBuiltin(spec);
}

/**
 * tsc's diagnostics that advise installing `@types/node` for a Node global
 * (`process`, `Buffer`, `require`, `__dirname`: TS2580, TS2591), which would
 * only lead an author astray in a hook.
 */
const NODE_GLOBAL_CODES: ReadonlySet<string> = new Set(["TS2580", "TS2591"]);

/**
 * `diagnostic` said for a hook: tsc's advice to install `@types/node` for a
 * Node global becomes {@link NODE_BUILTIN_CODE} naming the global and
 * {@link NODE_BUILTIN_RULE}; any other diagnostic is returned as it is.
 */
export function explainNodeGlobal(diagnostic: BuildDiagnostic): BuildDiagnostic {
  if (!NODE_GLOBAL_CODES.has(diagnostic.code)) return diagnostic;
  const name = /'([^']+)'/.exec(diagnostic.message)?.[1] ?? "this name";
  return { ...diagnostic, code: NODE_BUILTIN_CODE, message: `\`${name}\` is Node's: ${NODE_BUILTIN_RULE}` };
}
