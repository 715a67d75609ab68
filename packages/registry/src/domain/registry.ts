import type { ExtensionError, ExtensionKind, RiskTier } from "@ameide-ext/contract";
import type { RegistryStore } from "../store/registry-store.js";
import type { CompileBudgetOptions, CompileRefusal } from "./compile-budget.js";
import type { GovernanceOptions } from "./governance.js";
import type { MayApprove } from "./may-approve.js";
import type { ReadOnlyMethodsOptions } from "./read-only-methods.js";
import type {
  ApprovalRecord,
  CompileRecord,
  DeploymentRecord,
  DomainBindingRecord,
  Env,
  EventRecord,
  HostCallDecl,
  LimitsDecl,
  PinRecord,
  ReplayReportRecord,
  RevisionRecord,
  SourceFileRecord,
  SourceLanguageName,
} from "./types.js";

// The registry's domain API: who calls, what each RPC of ExtensionService takes and returns, and the
// options of createRegistry (create-registry.ts), which composes authoring, promotion, deployments and
// queries into one Registry.

/** Who calls: the authenticated identity, and the tenants it may act for ("*": any). */
export interface Caller {
  /** `user:<id>` or `agent:<id>` (or `system:<component>` inside the registry). */
  actor: string;
  /** Tenants the caller may act for; `["*"]` for all. */
  tenants: readonly string[];
}

/** What a compile produced, as the compile worker reports it. */
export interface CompileOutcome {
  record: CompileRecord;
  /** Set when it succeeded. */
  wasmBlobRef?: string | undefined;
  sha256?: string | undefined;
}

/**
 * Compiles one revision (see createCompileWorker). `signal` aborts when the registry shuts down
 * and stops waiting for it: a compiler should then stop its work (kill its process).
 */
export type Compiler = (revision: RevisionRecord, signal?: AbortSignal) => Promise<CompileOutcome>;

/** Told after each commit that changed what an environment runs (see createCatalogPublisher). */
export type DeploymentListener = (env: Env) => Promise<void>;

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** The state. */
  store: RegistryStore;
  /** The compile worker. Unset: RequestCompile queues nothing and a compile stays pending. */
  compiler?: Compiler | undefined;
  /** Called after every change of an environment's deployments (promotion, rollback, pin). */
  onDeploymentChange?: DeploymentListener | undefined;
  /** The guardrails per agent. */
  governance?: GovernanceOptions | undefined;
  /**
   * Per host service, the methods that only read (the operator's word; default none). A host call's
   * `read_only` is the registry's verdict from this list, never the manifest's.
   */
  readOnlyHostMethods?: ReadOnlyMethodsOptions | undefined;
  /**
   * Each caller's compiles per minute and at once (agents, and everyone else); past them RequestCompile
   * is refused before any work (`resource_exhausted`, rule `compile_rate`). Default: see DEFAULT_COMPILE_BUDGET.
   */
  compileBudget?: CompileBudgetOptions | undefined;
  /** Hears of every RequestCompile the compile budget refused (to log or count it). Default: nothing. */
  onCompileRefused?: ((refusal: CompileRefusal) => void) | undefined;
  /**
   * The identities the service knows act for a tenant (its static tokens), to say who may approve a
   * pending promotion. Default: none known (then "any other human of the tenant").
   */
  reviewersOf?: ((tenantId: string) => readonly string[]) | undefined;
  /** The clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /** Logs a compile or a listener that failed. Default: nothing. */
  onError?: ((error: ExtensionError) => void) | undefined;
}

/** CreateDraft's request. */
export interface CreateDraftInput {
  tenantId: string;
  extensionId: string;
  kind: ExtensionKind;
  riskTier: RiskTier;
  limits?: LimitsDecl | undefined;
  description?: string | undefined;
  tags?: string[] | undefined;
  hostCalls?: HostCallDecl[] | undefined;
  inputSchemaJson?: string | undefined;
  outputSchemaJson?: string | undefined;
  baseVersion?: string | undefined;
  /**
   * The client's id of this request (a UUID, at most 128 printable ASCII
   * characters). A replay by the same caller with the same payload returns
   * the draft the first one made; the same id with another payload is
   * refused (`request_id_reused`). Absent: every call makes a new version.
   */
  requestId?: string | undefined;
}

/** Names one version. */
export interface VersionKey {
  tenantId: string;
  extensionId: string;
  version: string;
}

/** An extension across its versions. */
export interface ExtensionView {
  tenantId: string;
  extensionId: string;
  latestVersion: string;
  deployments: DeploymentRecord[];
  pins: PinRecord[];
}

/** One version with its approvals and events. */
export interface RevisionView {
  revision: RevisionRecord;
  approvals: ApprovalRecord[];
  events: EventRecord[];
  /** Who may approve its pending promotion; undefined when none waits. */
  mayApprove?: MayApprove | undefined;
  /** The replay reports attached to it, by environment (see replay-reports.ts). */
  replayReports?: ReplayReportRecord[] | undefined;
}

/** Names one extension point of a tenant's domain in an environment. */
export interface DomainPointKey {
  tenantId: string;
  env: Env;
  /** The Domain primitive: lowercase letters, digits and hyphens, e.g. "orders". */
  domain: string;
  /** The point: a letter, then letters and digits, e.g. "BeforeCreateOrder". */
  extensionPoint: string;
}

/** The Transformation extension registry's domain: every RPC of ExtensionService, governed. */
export interface Registry {
  createDraft(caller: Caller, input: CreateDraftInput): Promise<RevisionView>;
  uploadSource(
    caller: Caller,
    input: VersionKey & { language: SourceLanguageName; files: SourceFileRecord[]; manifestJson: string },
  ): Promise<RevisionView>;
  /** Queues a compile; the outcome arrives later (await {@link idle}). */
  requestCompile(caller: Caller, key: VersionKey): Promise<RevisionView>;
  get(
    caller: Caller,
    key: { tenantId: string; extensionId: string; version?: string | undefined },
  ): Promise<{ extension: ExtensionView; revision: RevisionView }>;
  listVersions(
    caller: Caller,
    key: { tenantId: string; extensionId: string; pageSize?: number; pageToken?: string },
  ): Promise<{ revisions: RevisionView[]; nextPageToken: string }>;
  /** The tenant's versions with a promotion waiting for approval (at most 200), each with who may approve it. */
  listPending(caller: Caller, input: { tenantId: string }): Promise<RevisionView[]>;
  requestPromotion(caller: Caller, input: VersionKey & { env: Env; comment?: string }): Promise<RevisionView>;
  approve(caller: Caller, input: VersionKey & { env: Env; comment?: string }): Promise<RevisionView>;
  reject(caller: Caller, input: VersionKey & { env: Env; comment: string }): Promise<RevisionView>;
  rollback(
    caller: Caller,
    input: { tenantId: string; extensionId: string; env: Env; toVersion?: string; comment: string },
  ): Promise<ExtensionView>;
  pin(
    caller: Caller,
    input: {
      tenantId: string;
      extensionId: string;
      env: Env;
      consumerRef: string;
      version?: string;
      comment?: string;
    },
  ): Promise<ExtensionView>;
  listEvents(
    caller: Caller,
    input: { tenantId: string; extensionId: string; version?: string; pageSize?: number; pageToken?: string },
  ): Promise<{ events: EventRecord[]; nextPageToken: string }>;
  /** SetDomainBinding: binds the point to a version promoted to `env`, or "latest" (empty) when one is active. */
  setDomainBinding(
    caller: Caller,
    input: DomainPointKey & { extensionId: string; version?: string; comment?: string },
  ): Promise<DomainBindingRecord>;
  /** ListDomainBindings: a tenant's bindings (of one environment, one domain) by env, domain and point. */
  listDomainBindings(
    caller: Caller,
    input: { tenantId: string; env?: Env | undefined; domain?: string | undefined },
  ): Promise<DomainBindingRecord[]>;
  /** ClearDomainBinding: removes the point's binding and returns it; `not_found` when it had none. */
  clearDomainBinding(
    caller: Caller,
    input: DomainPointKey & { comment?: string },
  ): Promise<DomainBindingRecord>;
  /**
   * Disable: the kill switch. Switches `version` (every version when empty) of the extension off in `env`;
   * the catalog of `env` marks it `disabled`. Returns the versions switched off there ("" for all), sorted.
   */
  disable(
    caller: Caller,
    input: { tenantId: string; extensionId: string; env: Env; version?: string | undefined; reason: string },
  ): Promise<string[]>;
  /** Enable: releases a kill switch thrown by {@link disable}. Returns the versions still switched off. */
  enable(
    caller: Caller,
    input: { tenantId: string; extensionId: string; env: Env; version?: string | undefined; reason: string },
  ): Promise<string[]>;
  /**
   * RollbackOnSlo: a runtime (a `service:` caller) reports a fast burn of `version`'s SLO; when it is still
   * active in `env`, `env` rolls back to the previous version, with an event naming the SLO.
   */
  rollbackOnSlo(
    caller: Caller,
    input: {
      tenantId: string;
      extensionId: string;
      env: Env;
      version: string;
      slo: string;
      burnRate: number;
    },
  ): Promise<{ rolledBack: boolean; extension: ExtensionView }>;
  /**
   * AttachReplayReport: attaches what `ameide-ext replay --against <version>` showed to the version for `env`
   * (replacing the one before). `reportJson` is checked (see checkReplayReport); agents attach in dev only.
   */
  attachReplayReport(
    caller: Caller,
    input: VersionKey & { env: Env; reportJson: string },
  ): Promise<ReplayReportRecord>;
  /** Resolves when no compile is queued or running and every listener has run. */
  idle(): Promise<void>;
  /**
   * For a shutdown: waits for the compiles in flight at most `graceMs`, then cancels the rest (their
   * compiler's signal aborts, and each is recorded as a failed compile with reason `shutting_down`,
   * the version staying a draft that may compile again) and waits at most CANCEL_WRITE_MS (create-registry.ts)
   * more for those records. Compiles requested afterwards are cancelled at once. Resolves true when
   * every compile finished by itself.
   */
  drain(graceMs: number): Promise<boolean>;
}
