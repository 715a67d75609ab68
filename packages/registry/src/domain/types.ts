import type { EnvName, ExtensionKind, HookLanguage, RiskTier } from "@ameide-ext/contract";

export { ENVIRONMENTS, HOOK_LANGUAGES as SOURCE_LANGUAGES } from "@ameide-ext/contract";
/** The languages the Compile Worker builds, as a manifest's `lang` names them. */
export type SourceLanguageName = HookLanguage;
/** The environments a version is promoted through, in order. */
export type Env = EnvName;

/** Lifecycle states of a revision (spec 479 §7.2 stage 4); `rejected` and `failed` end it. */
export const LIFECYCLE_STATES = [
  "draft",
  "in_review",
  "promoted_dev",
  "promoted_staging",
  "promoted_prod",
  "rejected",
  "failed",
] as const;
/** One of {@link LIFECYCLE_STATES}. */
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** The state a version reaches when promoted to `env`. */
export function promotedState(env: Env): LifecycleState {
  return `promoted_${env}` as LifecycleState;
}

/** How far a state has got: 0 not promoted, 1 dev, 2 staging, 3 prod. */
export function promotedRank(state: LifecycleState): number {
  switch (state) {
    case "promoted_dev":
      return 1;
    case "promoted_staging":
      return 2;
    case "promoted_prod":
      return 3;
    default:
      return 0;
  }
}

/** A caller: `user:<id>`, `agent:<id>` or `system:<component>`. */
export type Actor = string;

/** One host call an extension declares. */
export interface HostCallDecl {
  service: string;
  method: string;
  read_only?: boolean;
}

/** Per-invocation limits, as in the manifest; 0 or absent takes the runtime's default. */
export interface LimitsDecl {
  cpu_millis?: number;
  memory_mb?: number;
  timeout_ms?: number;
  host_calls_per_invocation?: number;
}

/** A source file of a revision. */
export interface SourceFileRecord {
  /** "/"-separated path relative to the hook's folder, e.g. "src/index.ts" or "tests/a.json". */
  path: string;
  /** Content, base64. */
  contentBase64: string;
}

/** One diagnostic of a compile. */
export interface DiagnosticRecord {
  step: "build" | "abi_check" | "policy_check";
  severity: "error" | "warning" | "info";
  reason: string;
  path: string;
  line: number;
  column: number;
  message: string;
}

/** One fixture's result, with the share of each limit it used. */
export interface TestResultRecord {
  name: string;
  passed: boolean;
  message: string;
  inputJson: string;
  outputJson: string;
  durationUs: number;
  /** The highest share of any limit (fuel, memory, time, output) the case used, 0..1+. */
  maxLimitRatio: number;
}

/** The latest compile of a revision. */
export interface CompileRecord {
  status: "pending" | "succeeded" | "failed";
  toolchain: string;
  diagnostics: DiagnosticRecord[];
  tests: TestResultRecord[];
  moduleBytes: number;
  startedAt: string;
  finishedAt?: string | undefined;
}

/** A promotion waiting for approvals. */
export interface PendingPromotionRecord {
  env: Env;
  requestedBy: Actor;
  requestedAt: string;
  approvalsRequired: number;
  /** Distinct reviewers who approved this request so far. */
  approvers: Actor[];
  comment: string;
}

/** One version of an extension and everything the lifecycle attached to it. */
export interface RevisionRecord {
  tenantId: string;
  extensionId: string;
  /** "1", "2", … */
  version: string;
  state: LifecycleState;
  /** Bumped by every update: the optimistic-concurrency guard. */
  rowVersion: number;
  kind: ExtensionKind;
  riskTier: RiskTier;
  limits: LimitsDecl;
  hostCalls: HostCallDecl[];
  description: string;
  createdBy: Actor;
  tags: string[];
  inputSchemaJson: string;
  outputSchemaJson: string;
  baseVersion: string;
  language: SourceLanguageName | "";
  sources: SourceFileRecord[];
  manifestJson: string;
  compile?: CompileRecord | undefined;
  pending?: PendingPromotionRecord | undefined;
  /** `s3://…`/relative ref with `#sha256=`; set once a compile succeeds. */
  wasmBlobRef: string;
  sha256: string;
  createdAt: string;
  updatedAt: string;
}

/** One approval of a version for one environment. */
export interface ApprovalRecord {
  tenantId: string;
  extensionId: string;
  version: string;
  env: Env;
  approver: Actor;
  comment: string;
  time: string;
}

/** The version an environment runs. */
export interface DeploymentRecord {
  tenantId: string;
  extensionId: string;
  env: Env;
  activeVersion: string;
  updatedBy: Actor;
  updatedAt: string;
}

/** A consumer pinned to a version in an environment. */
export interface PinRecord {
  tenantId: string;
  extensionId: string;
  env: Env;
  consumerRef: string;
  version: string;
  pinnedBy: Actor;
  pinnedAt: string;
  comment: string;
}

/** A kill switch thrown (the Disable RPC): one version of an extension, or all of them, off in an environment. */
export interface DisabledRecord {
  tenantId: string;
  extensionId: string;
  env: Env;
  /** The version switched off; "" for every version of the extension. */
  version: string;
  disabledBy: Actor;
  disabledAt: string;
  /** Why, as the caller said. */
  reason: string;
}

/**
 * A replay report attached to a version for one environment (AttachReplayReport): what `ameide-ext replay
 * --against <version>` showed against that environment's recorded decisions. Evidence for the reviewers,
 * not a proof: the registry stores it as sent and cannot run it again.
 */
export interface ReplayReportRecord {
  tenantId: string;
  extensionId: string;
  version: string;
  env: Env;
  /** Its one line, e.g. "4 changes 3 of the last 1,000 recorded decisions". */
  summary: string;
  /** The report as sent (checked JSON, at most MAX_REPLAY_REPORT_BYTES). */
  reportJson: string;
  attachedBy: Actor;
  attachedAt: string;
}

/**
 * A domain extension point bound to an extension, for one tenant in one environment (the proto's
 * DomainBinding: a DomainExtensionConfig in force, spec 479 §4.2).
 */
export interface DomainBindingRecord {
  tenantId: string;
  env: Env;
  /** The Domain primitive: lowercase letters, digits and hyphens, e.g. "orders". */
  domain: string;
  /** The point: a letter, then letters and digits, e.g. "BeforeCreateOrder". */
  extensionPoint: string;
  extensionId: string;
  /** An exact version promoted to `env`, or "latest" (the version active in `env`). */
  version: string;
  updatedBy: Actor;
  updatedAt: string;
  /** Why, as the caller said. */
  comment: string;
}

/** Audit event types (ExtensionEventType of the proto). */
export const EVENT_TYPES = [
  "draft_created",
  "source_uploaded",
  "compile_requested",
  "compile_succeeded",
  "compile_failed",
  "promotion_requested",
  "approved",
  "rejected",
  "version_promoted",
  "rolled_back",
  "pinned",
  "unpinned",
  "domain_bound",
  "domain_unbound",
  "disabled",
  "enabled",
] as const;
/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** One audit event: who did what, when, and why. */
export interface EventRecord {
  /** Position in the log, ascending; assigned by the store. */
  seq: number;
  id: string;
  type: EventType;
  tenantId: string;
  extensionId: string;
  version: string;
  actor: Actor;
  time: string;
  fromState: LifecycleState | "";
  toState: LifecycleState | "";
  env: Env | "";
  comment: string;
  previousVersion: string;
  consumerRef: string;
  /** Who created the version the event is about (`user:<id>` or `agent:<id>`); "" when it is about none. */
  author: Actor;
  /**
   * Who asked for the promotion the event is part of (promotion_requested, approved, rejected,
   * version_promoted); "" for others and for a promotion the rules made by themselves.
   */
  requestedBy: Actor;
  /** The humans who approved the promotion so far (approved) or in all (version_promoted), in order. */
  approvers: Actor[];
  /** For one of the denied-rule events etc.: extra facts. */
  data: Record<string, unknown>;
}

/** An extension across its versions. */
export interface ExtensionRecord {
  tenantId: string;
  extensionId: string;
  latestVersion: string;
  createdAt: string;
}

/**
 * A CreateDraft that carried a `request_id`: which draft it made, and a
 * fingerprint of its payload, so a replay gets that draft back and a reuse of
 * the id with another payload is refused.
 */
export interface DraftRequestRecord {
  tenantId: string;
  /** The caller (`user:<id>`, `agent:<id>`): ids are the caller's, not global. */
  principal: Actor;
  /** The client's id of the request, 1 to 128 printable ASCII characters. */
  requestId: string;
  /** SHA-256 (hex) of the request's payload, canonical JSON. */
  payloadSha256: string;
  extensionId: string;
  /** The version the request created. */
  version: string;
  createdAt: string;
}
