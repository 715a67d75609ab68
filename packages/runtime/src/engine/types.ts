import type {
  ExecutionContext,
  ExtensionError,
  ExtensionLimits,
  InvocationResult,
  RiskTier,
} from "@ameide-ext/contract";

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
  /**
   * Pool only: the latest time, in `performance.now()` milliseconds of this thread, at which the guest may
   * still run, however late it started. Its wall-clock limit is armed, when it starts, as the earlier of
   * `timeoutMs` and what is left until then; at that time it ends `deadline_exceeded/timeout` as at its
   * limit (one still waiting for a worker then is shed, as at `startBy`). A batch gives its deadline, so an
   * input queued near it does not hold the worker its whole `timeoutMs` past it. Default: no bound but
   * `timeoutMs`.
   */
  runBy?: number | undefined;
}

/**
 * What one `Engine.tryInline` did: ran the invocation (`ran`, its result), or did not, and why.
 * `slice`: the guest used the whole fuel slice without finishing (run it in full in the pool; its
 * version is slow). `not_ready`: it did not run, as its instance must first be made by work the caller's
 * thread must not do (see readyBeforeRun); this invocation goes to the pool, the next may run inline.
 */
export type InlineAttempt = { ran: InvocationResult } | { skipped: "slice" | "not_ready" };

/**
 * Many inputs of one request shape, for `Engine.tryInlineBatch`: one context, limits and policy, no
 * host handler (as `tryInline`), run on the caller's thread one after the other.
 */
export interface InlineBatchRequest {
  /** The inputs, JSON as text or UTF-8 bytes; each is checked on its own (size, JSON). */
  inputs: ReadonlyArray<string | Uint8Array>;
  /** The first input to run. Default 0; at most `inputs.length - 1`. */
  from?: number;
  /** CPU and time limits of each input, as {@link InvokeRequest.limits}. Default: the extension's. */
  limits?: InvokeRequest["limits"];
  /** Host-call policy of each input. Default: low tier, nothing allowed. */
  policy?: HostCallPolicy;
  /** The context of every input. */
  ctx?: ExecutionContext;
  /** Fuel each input may use on this thread (as `tryInline`'s `fuelSlice`): a positive integer. */
  fuelSlice: number;
  /**
   * Wall time, in milliseconds, after which no further input starts: the call returns and the caller
   * yields to the event loop before it calls again from `next`. At least one input is attempted. ≥ 0.
   */
  sliceMs: number;
  /**
   * The caller's deadline, in `performance.now()` milliseconds: no input starts at or after it, and each
   * input's time limit shrinks to what is left of it (at least 1 ms). Default: no deadline.
   */
  deadline?: number | undefined;
}

/**
 * What `Engine.tryInlineBatch` did with one input: ran it (`ran`), left it to the pool (`skipped`, as
 * {@link InlineAttempt}), or refused it without running (`refused`: not JSON, over the input size cap,
 * `invalid_argument`); and the wall time the thread spent on it, in milliseconds.
 */
export type InlineBatchAttempt = (
  | { ran: InvocationResult }
  | { skipped: "slice" | "not_ready" }
  | { refused: ExtensionError }
) & { wallMs: number };

/**
 * Why `Engine.tryInlineBatch` returned: `end`, every input attempted; `time`, `sliceMs` passed; `deadline`,
 * the caller's deadline passed before input `next` started; `pool`, the last attempt was skipped and its
 * input must run in the pool; `failure`, the last attempt ended with a technical error, which the caller
 * counts (a circuit breaker) before any further input runs.
 */
export type InlineBatchStop = "end" | "time" | "deadline" | "pool" | "failure";

/** The answer of `Engine.tryInlineBatch`: one attempt per input from `from` to `next - 1`. */
export interface InlineBatchRun {
  attempts: InlineBatchAttempt[];
  /** The first input not attempted: call again from here (after the pool ran a skipped one, if any). */
  next: number;
  stopped: InlineBatchStop;
}
