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
): Record<string, unknown> | undefined {
  if (importObject === undefined || importObject === null) return importObject;
  let guarded: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(importObject)) {
    if (!HOST_IMPORT_MODULES.has(name) || typeof value !== "object" || value === null) continue;
    const fns = value as Record<string, unknown>;
    const log = fns.log as CoreFunction | undefined;
    const call = fns.call as CoreFunction | undefined;
    guarded ??= { ...importObject };
    guarded[name] = {
      ...fns,
      ...(typeof log === "function"
        ? {
            log: (lp: number, ll: number, mp: number, ml: number) =>
              log(lp, ll, mp, hooks.log(ll >>> 0, ml >>> 0)),
          }
        : {}),
      ...(typeof call === "function"
        ? {
            call: (sp: number, sl: number, mp: number, ml: number, rp: number, rl: number, ret: number) => {
              hooks.call(sl >>> 0, ml >>> 0, rl >>> 0);
              return call(sp, sl, mp, ml, rp, rl, ret);
            },
          }
        : {}),
    };
  }
  return guarded ?? importObject;
}
