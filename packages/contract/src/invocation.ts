import type { ErrorReason, ExtensionErrorData } from "./extension-error.js";
import type { LogLevel } from "./limits.js";

/**
 * The caller's identity and context (spec 479 §3.2). The guest never sees it;
 * the runtime uses it for policy, host-call tokens and logs.
 */
export interface ExecutionContext {
  tenantId: string;
  orgId?: string;
  /** "system", a user id or an agent id. */
  userId?: string;
  /** USER | AGENT | SYSTEM. */
  actorType?: string;
  sessionId?: string;
  correlationId?: string;
  /** dev / staging / prod. */
  env?: string;
  /** LOW | MEDIUM | HIGH (as in the proto); the extension's own tier governs host calls. */
  riskTier?: string;
}

/** One line the guest logged. */
export interface GuestLogLine {
  level: LogLevel;
  message: string;
}

/**
 * What an invocation cost. One name per number, the same in every package and on the wire: these are the
 * field names of `ameide.extensions.v1.InvocationStats` (`peak_memory_bytes`, `duration_us`, …), which the
 * SDK, the runtime's invocation log, the registry and `ameide-ext --json` use too (docs/decisions.md, "One
 * stats vocabulary").
 */
export interface InvocationStats {
  /** Fuel used: WebAssembly instructions executed, each weighted by the cost model (COST_MODEL). */
  fuelUsed: number;
  /** Fuel budget of the invocation. */
  fuelLimit: number;
  /** Largest linear memory the guest reached, in bytes. */
  peakMemoryBytes: number;
  /** Memory cap, in bytes. */
  memoryLimitBytes: number;
  /** Wall-clock duration of the run, host calls included, in whole microseconds. */
  durationUs: number;
  /** Output size in bytes (UTF-8). */
  outputBytes: number;
  /** Output limit in bytes. */
  outputLimitBytes: number;
  /** Host calls made. */
  hostCalls: number;
}

/** The three outcomes of spec 479 §6.5. */
export type Outcome = "ok" | "business_error" | "technical_error";

/** A business error returned by the guest through the `err` variant. */
export interface BusinessError {
  code: string;
  message: string;
  details?: unknown;
}

/** What an invocation returns. Technical errors are returned, not thrown, so their stats survive. */
export interface InvocationResult {
  outcome: Outcome;
  /** The output JSON text, when the outcome is ok. */
  output?: string;
  /** The guest's business error, when the outcome is business_error. */
  businessError?: BusinessError;
  /** The technical error, when the outcome is technical_error. */
  error?: ExtensionErrorData & { reason?: ErrorReason };
  stats: InvocationStats;
  logs: GuestLogLine[];
}
