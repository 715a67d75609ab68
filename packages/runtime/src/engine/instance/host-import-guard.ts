import type { HostShapedImport } from "../../component/link-component.js";

// The core-level host imports of a linked guest, seen before jco's glue decodes a byte.

/** The names under which a component's core module imports the host interface (as guest-instance.ts accepts them). */
const HOST_IMPORT_MODULES: ReadonlySet<string> = new Set([
  "ameide:extension/host@1.0.0",
  "ameide:extension/host",
  "cm32p2|ameide:extension/host@1",
]);

type CoreFunction = (...args: number[]) => unknown;

/**
 * Called with the byte lengths of the strings a host import receives, before
 * they are decoded. A hook throws to refuse them (the invocation then ends
 * with that error). `log` returns the message length to pass on: 0 to have the
 * glue decode an empty message, for a line only counted.
 */
export interface HostStringHooks {
  log(levelBytes: number, messageBytes: number): number;
  call(serviceBytes: number, methodBytes: number, requestBytes: number): void;
}

/**
 * Wraps the host functions in the import object of one core module, when it
 * imports the host interface: `log(levelPtr, levelLen, msgPtr, msgLen)` and
 * `call(svcPtr, svcLen, methodPtr, methodLen, reqPtr, reqLen, retPtr)`, the
 * canonical ABI's flattening of the WIT signatures. Other imports are left as
 * they are.
 */
export function guardHostImports(
  importObject: Record<string, unknown> | undefined,
  hooks: HostStringHooks,
  shaped: readonly HostShapedImport[] = [],
  isCoreFunction: (fn: unknown) => boolean = () => false,
): Record<string, unknown> | undefined {
  if (importObject === undefined || importObject === null) return importObject;
  const byName = guardNamedHostImports(importObject, hooks, isCoreFunction);
  return guardShapedImports(byName ?? importObject, hooks, shaped, isCoreFunction) ?? byName ?? importObject;
}

/**
 * A component names the core instance it hands the lowered host functions to
 * as it likes: any function the glue made (not a core module's export) that a
 * module imports with the core signature of `log` or `call` is one of them,
 * and is guarded as such, whatever its names.
 */
function guardShapedImports(
  importObject: Record<string, unknown>,
  hooks: HostStringHooks,
  shaped: readonly HostShapedImport[],
  isCoreFunction: (fn: unknown) => boolean,
): Record<string, unknown> | undefined {
  let guarded: Record<string, unknown> | undefined;
  for (const { module, field, kind } of shaped) {
    if (HOST_IMPORT_MODULES.has(module)) continue; // guarded by name
    const fns = importObject[module];
    if (typeof fns !== "object" || fns === null) continue;
    const fn = (fns as Record<string, unknown>)[field];
    if (typeof fn !== "function" || isCoreFunction(fn)) continue;
    guarded ??= { ...importObject };
    const wrapped = { ...(guarded[module] as Record<string, unknown>) };
    wrapped[field] =
      kind === "log" ? guardLog(fn as CoreFunction, hooks) : guardCall(fn as CoreFunction, hooks);
    guarded[module] = wrapped;
  }
  return guarded;
}

const guardLog =
  (log: CoreFunction, hooks: HostStringHooks) => (lp: number, ll: number, mp: number, ml: number) =>
    log(lp, ll, mp, hooks.log(ll >>> 0, ml >>> 0));

const guardCall =
  (call: CoreFunction, hooks: HostStringHooks) =>
  (sp: number, sl: number, mp: number, ml: number, rp: number, rl: number, ret: number) => {
    hooks.call(sl >>> 0, ml >>> 0, rl >>> 0);
    return call(sp, sl, mp, ml, rp, rl, ret);
  };

/** Wraps `log` and `call` of the import modules named for the host interface. */
function guardNamedHostImports(
  importObject: Record<string, unknown>,
  hooks: HostStringHooks,
  isCoreFunction: (fn: unknown) => boolean,
): Record<string, unknown> | undefined {
  let guarded: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(importObject)) {
    if (!HOST_IMPORT_MODULES.has(name) || typeof value !== "object" || value === null) continue;
    const fns = value as Record<string, unknown>;
    // A core module's export under the host's name (wit-component's shim, whose table a later module
    // fills with the glue's functions): guarded where the glue's function is imported, not twice.
    const log = isCoreFunction(fns.log) ? undefined : (fns.log as CoreFunction | undefined);
    const call = isCoreFunction(fns.call) ? undefined : (fns.call as CoreFunction | undefined);
    guarded ??= { ...importObject };
    guarded[name] = {
      ...fns,
      ...(typeof log === "function" ? { log: guardLog(log, hooks) } : {}),
      ...(typeof call === "function" ? { call: guardCall(call, hooks) } : {}),
    };
  }
  return guarded;
}
