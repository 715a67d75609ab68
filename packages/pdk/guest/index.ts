// @ameide-ext/pdk for hooks written in TypeScript. A hook exports
// `run(input)`: it gets the input JSON already parsed and returns a value that
// is serialized as the output JSON. The build bundles this module into the
// hook; the author never sees the canonical ABI.
import { call as hostCall, log as hostLog } from "ameide:extension/host@1.0.0";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A hook: parsed input in, a JSON-serializable output out. */
export type Hook<In = Json, Out = unknown> = (input: In) => Out;

/**
 * A business error: the rule decided "no" and says why. The invocation ends
 * with the outcome business_error, keeping `code`, `message` and `details`.
 */
export class BusinessError extends Error {
  override readonly name = "BusinessError";
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Json,
  ) {
    super(message);
  }
}

/** Ends the invocation with a business error: `fail("MARGIN_TOO_LOW", "margin 8% is under 10%")`. */
export function fail(code: string, message: string, details?: Json): never {
  throw new BusinessError(code, message, details);
}

/** Appends a line to the invocation's log (capped per invocation by the runtime). */
export const log = {
  debug: (message: string): void => hostLog("debug", message),
  info: (message: string): void => hostLog("info", message),
  warn: (message: string): void => hostLog("warn", message),
  error: (message: string): void => hostLog("error", message),
};

/** What `host.call` returns: the parsed response, or the error the host gave. */
export type HostResult<T = Json> = { ok: true; value: T } | { ok: false; code: string; message: string };

/** Governed calls to existing Ameide APIs; the runtime checks each against the extension's policy. */
export const host = {
  /** Calls `method` of `service` with `request` (serialized as JSON). Never throws for a refused or failed call. */
  call<T = Json>(service: string, method: string, request: Json = {}): HostResult<T> {
    try {
      return { ok: true, value: JSON.parse(hostCall(service, method, JSON.stringify(request))) as T };
    } catch (e) {
      const payload = (e as { payload?: unknown }).payload;
      try {
        const err = JSON.parse(typeof payload === "string" ? payload : "") as {
          code?: unknown;
          message?: unknown;
        };
        return { ok: false, code: String(err.code ?? "unknown"), message: String(err.message ?? "") };
      } catch {
        return { ok: false, code: "unknown", message: String(payload ?? e) };
      }
    }
  },
};

// Determinism: no clock and no unseeded randomness inside a hook. Date.now()
// is 0 and `new Date()` is 1970-01-01T00:00:00.000Z; Math.random() is a
// PRNG seeded, for each invocation, from the input JSON. Explicit dates
// (`new Date("2026-01-31")`, Date.parse, Date.UTC) work as usual.
const RealDate = Date;
/** A genuine trap: the WASI clock is stubbed to `unreachable` in hooks. */
const trap = (): never => {
  RealDate.now();
  throw new Error("unreachable");
};
class FrozenDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(0);
    else super(...(args as [string]));
  }
  static override now(): number {
    return 0;
  }
}
globalThis.Date = FrozenDate as DateConstructor;

// The seed is a hash of the input JSON, computed on the first Math.random() of
// an invocation: hashing in interpreted JavaScript costs thousands of
// instructions per input byte, which a hook that draws no random number
// should not pay.
let seed = 0;
let seedInput: string | undefined;
Math.random = () => {
  if (seedInput !== undefined) {
    seed = seedFrom(seedInput);
    seedInput = undefined;
  }
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

function isThenable(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * @internal The entry the build generates calls this: parse, run the hook,
 * serialize. A BusinessError becomes the `err` payload; any other exception,
 * or a Promise for an output, is logged and ends the invocation with a trap
 * (a technical error).
 */
export function __runHook(hook: Hook<Json, unknown>, inputJson: string): string {
  seedInput = inputJson;
  try {
    const output = hook(JSON.parse(inputJson) as Json);
    if (isThenable(output)) {
      // Serialized, a Promise is {}: a silent wrong answer. Nothing would ever settle it anyway.
      hostLog("error", "run returned a Promise: a hook is synchronous (no async, no await)");
      return trap();
    }
    return JSON.stringify(output === undefined ? null : output);
  } catch (e) {
    if (e instanceof BusinessError) {
      const payload: { code: string; message: string; details?: Json } = { code: e.code, message: e.message };
      if (e.details !== undefined) payload.details = e.details;
      throw { payload: JSON.stringify(payload) };
    }
    const what = e instanceof Error ? `${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ""}` : String(e);
    hostLog("error", `unhandled exception: ${what}`);
    return trap();
  }
}
