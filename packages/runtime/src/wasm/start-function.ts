import { ExtensionError } from "@ameide-ext/contract";
import { createByteWriter } from "./byte-writer.js";
import type { ModuleScan } from "./scan-module.js";
import type { CounterLayout } from "./shift-indices.js";
import { createByteReader } from "./wasm-reader.js";

/**
 * Export name of the injected start function: `(fuel i64, g0, g1, …) -> ()`
 * sets the fuel counter to `fuel`, the depth and trap counters to 0, and each
 * mutable global the module defines (in `snapshotGlobals` order) to the value
 * passed for it. The engine calls it once before a run instead of setting each
 * global from JavaScript (each `WebAssembly.Global` setter costs about as much
 * as the whole call).
 */
export const START_EXPORT = "__ameide_start";

/**
 * Export name of the injected `() -> i64` that returns the fuel counter: what
 * the engine reads after a run, cheaper than the `WebAssembly.Global` getter.
 */
export const FUEL_LEFT_EXPORT = "__ameide_fuel_left";

/** Most mutable globals the start function takes; a module with more keeps the engine's setters. */
export const MAX_START_GLOBALS = 64;

/** The value types a start function's parameter may have: numbers only (JavaScript passes a number or a BigInt). */
const NUMERIC = new Set([0x7f, 0x7e, 0x7d, 0x7c]);

/**
 * Where the start function goes in the instrumented module, and the fuel-left
 * function after it (type and function index one more each).
 */
export interface StartPlan {
  /** Its type index: one past the module's own types. */
  typeIndex: number;
  /** Its function index: one past the module's own functions (so no index the module uses moves). */
  funcIndex: number;
  /** The value type of each mutable global it sets, in order. */
  globalTypes: readonly number[];
}

/**
 * The start function's place, or undefined when the module keeps the engine's
 * setters: with shared counters (a linked component, whose modules share one
 * budget), more than {@link MAX_START_GLOBALS} mutable globals, or a mutable
 * global of a reference type.
 *
 * The guest cannot reach the functions (this one and {@link FUEL_LEFT_EXPORT}): they are in no table and no call site
 * names them, as their indices are past every function of the module as written, and
 * the module as written must validate ({@link checkInputValidates}), so none of
 * its calls, `ref.func`s, element segments or exports names an index out of its
 * own range. Only the host, through the exports, calls them.
 */
export function planStartFunction(scan: ModuleScan, sharedCounters: boolean): StartPlan | undefined {
  if (sharedCounters) return undefined;
  const globalTypes = scan.mutableDefinedGlobalTypes;
  if (globalTypes.length > MAX_START_GLOBALS || !globalTypes.every((t) => NUMERIC.has(t))) return undefined;
  return {
    typeIndex: scan.sigs.length,
    funcIndex: scan.imports.length + scan.funcTypes.length,
    globalTypes,
  };
}

/**
 * Refuses a module that does not validate as written (`invalid_module`). The
 * instrumenter appends globals and a function after the module's own: an
 * index past the module's range in its code (a `global.set` of the fuel
 * counter, a `call` of the start function) would be valid in the rewritten
 * module, and let the guest refill its own fuel.
 */
export function checkInputValidates(input: Uint8Array): void {
  if (WebAssembly.validate(new Uint8Array(input))) return;
  throw new ExtensionError(
    "invalid_argument",
    "the guest module does not validate as a WebAssembly module (an index out of range, a type mismatch or a malformed section); rebuild it with a standard toolchain",
    "invalid_module",
  );
}

/** The type entries: the start function's `(i64, …globalTypes) -> ()`, the fuel-left function's `() -> i64`. */
export function injectedTypes(plan: StartPlan): Uint8Array[] {
  const w = createByteWriter(plan.globalTypes.length + 8);
  w.u8(0x60);
  w.u32(1 + plan.globalTypes.length);
  w.u8(0x7e);
  for (const t of plan.globalTypes) w.u8(t);
  w.u32(0);
  return [w.finish(), Uint8Array.of(0x60, 0x00, 0x01, 0x7e)];
}

/** The function section's entries: each function's type index. */
export function injectedFunctions(plan: StartPlan): Uint8Array[] {
  return [plan.typeIndex, plan.typeIndex + 1].map((t) => {
    const w = createByteWriter(5);
    w.u32(t);
    return w.finish();
  });
}

/** The export entries' names and function indices. */
export function injectedExports(plan: StartPlan): Array<[string, number]> {
  return [
    [START_EXPORT, plan.funcIndex],
    [FUEL_LEFT_EXPORT, plan.funcIndex + 1],
  ];
}

/** The code entries (sized): the start function's and the fuel-left function's. */
export function injectedBodies(
  plan: StartPlan,
  layout: CounterLayout,
  globals: readonly number[],
): Uint8Array[] {
  const fuelLeft = createByteWriter(8);
  fuelLeft.u32(0); // no locals
  fuelLeft.u8(0x23);
  fuelLeft.u32(layout.fuel);
  fuelLeft.u8(0x0b);
  return [startBody(plan, layout, globals), fuelLeft.finish()].map((body) => {
    const w = createByteWriter(body.length + 5);
    w.sized(body);
    return w.finish();
  });
}

/** The start function's body: each parameter into its global, depth and trap to 0. */
function startBody(plan: StartPlan, layout: CounterLayout, globals: readonly number[]): Uint8Array {
  const body = createByteWriter(16 + globals.length * 6);
  body.u32(0); // no locals
  body.u8(0x20);
  body.u32(0);
  body.u8(0x24);
  body.u32(layout.fuel);
  for (const counter of [layout.depth, layout.trap]) {
    body.u8(0x41);
    body.s32(0);
    body.u8(0x24);
    body.u32(counter);
  }
  for (let i = 0; i < plan.globalTypes.length; i++) {
    body.u8(0x20);
    body.u32(i + 1);
    body.u8(0x24);
    body.u32(layout.mapGlobal(globals[i] as number));
  }
  body.u8(0x0b);
  return body.finish();
}

/** A vector section's payload (its count, then its entries) with `entries` appended. */
export function appendEntries(payload: Uint8Array, entries: readonly Uint8Array[]): Uint8Array {
  const r = createByteReader(payload);
  const count = payload.length === 0 ? 0 : r.u32();
  const w = createByteWriter(payload.length + entries.reduce((n, e) => n + e.length, 0) + 5);
  w.u32(count + entries.length);
  w.bytes(payload.subarray(r.pos));
  for (const e of entries) w.bytes(e);
  return w.finish();
}
