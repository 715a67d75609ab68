import type { ExecutionContext } from "@ameide-ext/contract";
import type { GuestLog } from "../read-response.js";

/** How a tool call ended. */
export type AuditOutcome = "ok" | "business_error" | "invalid_arguments" | "technical_error";

/** The error of a call that did not end "ok": the guest's business code, or the ExtensionError's code and reason. */
export interface AuditError {
  /** The guest's business code ("ACCOUNT_NOT_FOUND"), or an ExtensionError's code ("invalid_argument"). */
  code: string;
  message: string;
  /** The ExtensionError's reason, when it has one. */
  reason?: string | undefined;
  details?: unknown;
}

/**
 * One tool call, as spec 479 §4.3 asks: logged, auditable, replayable. A
 * replay calls `extensionId` at `resolvedVersion` with `ctx` and `input`, and
 * checks the module it ran is `moduleSha256`: extensions are deterministic,
 * so it gets `output` (or `error`) and `fuelUsed` again.
 */
export interface AuditRecord {
  /** When the call began, ISO 8601 in UTC. */
  timestamp: string;
  /** The tool's name, as the model called it. */
  tool: string;
  extensionId: string;
  /** The version asked for: "latest" or a pinned one. */
  requestedVersion: string;
  /** The version that ran; "" when none did (arguments refused, an unknown extension). */
  resolvedVersion: string;
  /** Lowercase hex sha256 of the module that ran; "" when none did. */
  moduleSha256: string;
  /** The agent's ExecutionContext, as sent (with the correlation id given to a call that had none). */
  ctx: ExecutionContext;
  /** `ctx.correlationId`, or the fresh one the call was given. */
  correlationId: string;
  /** The model's id of this call (Anthropic's tool_use id, OpenAI's tool call id), when the caller gave it. */
  toolCallId?: string | undefined;
  /** The arguments as sent, parsed; absent when they could not be read (over the size cap, not JSON). */
  input?: unknown;
  /** Size of the arguments' JSON in bytes (UTF-8). */
  inputBytes: number;
  outcome: AuditOutcome;
  /** The extension's output (for "ok", and for an output that broke the output schema). */
  output?: unknown;
  /** What went wrong, for every outcome but "ok". */
  error?: AuditError | undefined;
  /** The guest's log lines. */
  logs: GuestLog[];
  /** Fuel the guest burnt; 0 when it never ran. */
  fuelUsed: number;
  /** The guest's run time in the runtime, in microseconds; 0 when it never ran. */
  durationUs: number;
  /** The whole tool call as the caller saw it (checks, RPC, retries), in milliseconds. */
  elapsedMs: number;
}

/**
 * Where audit records go; the primitive decides (a file, a table, a log
 * pipeline). A tool awaits `write`; if it throws or rejects, the tool still
 * answers and reports the failure to its `onAuditError`.
 */
export interface AuditSink {
  write(record: AuditRecord): void | Promise<void>;
}
