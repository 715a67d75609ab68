import type { ExecutionContext, ExtensionLimits, InvocationResult, RiskTier } from "@ameide-ext/contract";

export type {
  BusinessError,
  ExecutionContext,
  GuestLogLine,
  InvocationResult,
  InvocationStats,
  Outcome,
} from "@ameide-ext/contract";

/** One host call a guest may make. */
export interface HostCallPermission {
  service: string;
  method: string;
  /** True when the method only reads. MEDIUM-tier extensions may call read-only methods only. Default false. */
  readOnly?: boolean;
}

/** The host-call policy of one invocation: the extension's risk tier and allowlist. */
export interface HostCallPolicy {
  /** The extension's risk tier: low allows none, medium allowlisted read-only methods, high allowlisted methods. */
  riskTier: RiskTier;
  /** The allowlist. Default empty. */
  allow?: HostCallPermission[];
  /** Host calls allowed per invocation. Default by tier: low 0, medium 1, high 8; at most 64. */
  maxCalls?: number;
}

/** A host call the policy let through, as the handler receives it. */
export interface HostCallRequest {
  service: string;
  method: string;
  /** The guest's request, JSON text. */
  requestJson: string;
  /** The invocation's context. */
  ctx: ExecutionContext | undefined;
  /** Milliseconds left before the invocation's deadline. */
  remainingMs: number;
}

/**
 * Answers host calls. Return the response JSON text; throw an ExtensionError
 * (or its data) to give the guest an error result with that code and message.
 */
export type HostCallHandler = (call: HostCallRequest) => string | Promise<string>;

/** One invocation. */
export interface InvokeRequest {
  /** The input JSON, as text or UTF-8 bytes. */
  input: string | Uint8Array;
  /**
   * CPU and time limits for this invocation, overriding the extension's load
   * limits within LIMIT_BOUNDS (higher or lower: this is the embedding host's
   * own decision, never a guest's or a remote caller's). The memory cap was
   * fixed at load. Default: the extension's load limits.
   */
  limits?: Partial<Pick<ExtensionLimits, "cpuMillis" | "timeoutMs">>;
  /** Host-call policy. Default: low tier, nothing allowed. */
  policy?: HostCallPolicy;
  /** Answers allowed host calls. Inline invocations need a synchronous answer. */
  hostHandler?: HostCallHandler;
  /** The invocation's context. */
  ctx?: ExecutionContext;
  /**
   * Pool only: the latest time, in `performance.now()` milliseconds of this thread, at which the guest
   * may start (the caller's deadline). An invocation still waiting for a worker then ends
   * `unavailable/overloaded` without running: its caller has gone, and the queue behind it is shorter.
   * Queue time never counts against `timeoutMs` (the guest's run). Default: no bound.
   */
  startBy?: number | undefined;
}

/**
 * What one `Engine.tryInline` did: ran the invocation (`ran`, its result), or did not, and why.
 * `slice`: the guest used the whole fuel slice without finishing (run it in full in the pool; its
 * version is slow). `not_ready`: it did not run, as its instance must first be made by work the caller's
 * thread must not do (see readyBeforeRun); this invocation goes to the pool, the next may run inline.
 */
export type InlineAttempt = { ran: InvocationResult } | { skipped: "slice" | "not_ready" };
