import type {
  ErrorReason,
  ExtensionErrorData,
  ExtensionLimits,
  LogLevel,
  RiskTier,
} from "@ameide-ext/pdk/contract";

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

/** One line the guest logged. */
export interface GuestLogLine {
  level: LogLevel;
  message: string;
}

/** What an invocation cost. */
export interface InvocationStats {
  /** Fuel used: WebAssembly instructions executed, each weighted by the cost model (COST_MODEL). */
  fuelUsed: number;
  /** Fuel budget of the invocation. */
  fuelLimit: number;
  /** Peak linear memory, in bytes. */
  memoryBytes: number;
  /** Memory cap, in bytes. */
  memoryLimitBytes: number;
  /** Wall-clock duration, in milliseconds. */
  durationMs: number;
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
