import {
  ExtensionError,
  type ExtensionLimits,
  FUEL_PER_CPU_MILLI,
  type SizeLimits,
} from "@ameide-ext/contract";
import type { ExecutionContext, InvokeRequest } from "../types.js";
import { type ResolvedPolicy, resolvePolicy } from "./host-call-gate.js";
import { isJsonBytes } from "./json-bytes.js";
import { formatBytes, resolveLimits } from "./resolve-limits.js";

/** An invocation checked and resolved. Plain data: it can be posted to a worker. */
export interface PreparedInvocation {
  input: Uint8Array;
  fuel: number;
  timeoutMs: number;
  policy: ResolvedPolicy;
  outputLimitBytes: number;
  logBytes: number;
  logLines: number;
  ctx: ExecutionContext | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const EMPTY = new Uint8Array(0);

/**
 * Checks one input before any guest code runs, and returns its bytes: size
 * (`invalid_argument/input_size`) and JSON (`invalid_argument/invalid_input`).
 */
export function checkInput(raw: string | Uint8Array, sizes: SizeLimits): Uint8Array {
  const input = typeof raw === "string" ? encoder.encode(raw) : raw;
  if (!(input instanceof Uint8Array)) {
    throw new ExtensionError(
      "invalid_argument",
      "input must be a string or a Uint8Array of JSON",
      "invalid_input",
    );
  }
  if (input.length > sizes.inputBytes) {
    throw new ExtensionError(
      "invalid_argument",
      `input is ${formatBytes(input.length)}, the limit is ${formatBytes(sizes.inputBytes)}`,
      "input_size",
      { actual: input.length, limit: sizes.inputBytes },
    );
  }
  // Bytes are checked in place (isJsonBytes); JSON.parse only for text, or to say what is wrong.
  if (typeof raw !== "string" && isJsonBytes(input)) return input;
  try {
    JSON.parse(typeof raw === "string" ? raw : decoder.decode(input));
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `input is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
      "invalid_input",
    );
  }
  return input;
}

/**
 * Resolves what many invocations of one request shape share: limits and
 * policy (`invalid_argument/invalid_limits`), size caps, context. Its
 * `input` is empty: the caller sets each one's, checked by {@link checkInput}.
 */
export function prepareShape(
  req: Omit<InvokeRequest, "input">,
  base: ExtensionLimits,
  sizes: SizeLimits,
): PreparedInvocation {
  const limits = resolveLimits(req.limits, base);
  return {
    input: EMPTY,
    fuel: limits.cpuMillis * FUEL_PER_CPU_MILLI,
    timeoutMs: limits.timeoutMs,
    policy: resolvePolicy(req.policy),
    outputLimitBytes: sizes.outputBytes,
    logBytes: sizes.logBytes,
    logLines: sizes.logLines,
    ctx: req.ctx,
  };
}

/**
 * Checks an invocation's input and limits once, before any guest code runs:
 * input size (`invalid_argument/input_size`), input JSON
 * (`invalid_argument/invalid_input`), limits and policy (`invalid_limits`).
 */
export function prepareInvocation(
  req: InvokeRequest,
  base: ExtensionLimits,
  sizes: SizeLimits,
): PreparedInvocation {
  const input = checkInput(req.input, sizes);
  const prep = prepareShape(req, base, sizes);
  prep.input = input;
  return prep;
}
