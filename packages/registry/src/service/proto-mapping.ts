import type { ExtensionKind as Kind, RiskTier as Tier } from "@ameide-ext/contract";
import { ABI, ExtensionError } from "@ameide-ext/contract";
import {
  ApprovalSchema,
  CompileDiagnosticSchema,
  CompileResultSchema,
  CompileStatus,
  CompileStep,
  DiagnosticSeverity,
  type DomainBinding,
  DomainBindingSchema,
  Environment,
  EnvironmentDeploymentSchema,
  type Extension,
  ExtensionDefinitionSchema,
  type ExtensionEvent,
  ExtensionEventSchema,
  ExtensionEventType,
  ExtensionKind,
  type ExtensionRevision,
  ExtensionRevisionSchema,
  ExtensionSchema,
  LifecycleState,
  PendingPromotionSchema,
  RiskTier,
  SourceFileSchema,
  SourceLanguage,
  TestResultSchema,
  VersionPinSchema,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ExtensionView, RevisionView } from "../domain/registry.js";
import type {
  DomainBindingRecord,
  Env,
  EventRecord,
  EventType,
  SourceLanguageName,
  LifecycleState as State,
} from "../domain/types.js";
import { replayReportTo, replaySummaryOf } from "./replay-report-mapping.js";

const ENV_TO: Record<Env, Environment> = {
  dev: Environment.DEV,
  staging: Environment.STAGING,
  prod: Environment.PROD,
};

/** The proto's Environment as ours; unset is invalid_argument naming `field`. */
export function envFrom(env: Environment, field = "env"): Env {
  switch (env) {
    case Environment.DEV:
      return "dev";
    case Environment.STAGING:
      return "staging";
    case Environment.PROD:
      return "prod";
    default:
      throw new ExtensionError(
        "invalid_argument",
        `${field} is required: ENVIRONMENT_DEV, ENVIRONMENT_STAGING or ENVIRONMENT_PROD`,
      );
  }
}

/** Ours as the proto's Environment. */
export function envTo(env: Env | ""): Environment {
  return env === "" ? Environment.UNSPECIFIED : ENV_TO[env];
}

const KIND_FROM: Partial<Record<ExtensionKind, Kind>> = {
  [ExtensionKind.PROCESS_HOOK]: "process_hook",
  [ExtensionKind.DOMAIN_HOOK]: "domain_hook",
  [ExtensionKind.AGENT_TOOL]: "agent_tool",
};
const KIND_TO: Record<Kind, ExtensionKind> = {
  process_hook: ExtensionKind.PROCESS_HOOK,
  domain_hook: ExtensionKind.DOMAIN_HOOK,
  agent_tool: ExtensionKind.AGENT_TOOL,
};
const TIER_FROM: Partial<Record<RiskTier, Tier>> = {
  [RiskTier.LOW]: "low",
  [RiskTier.MEDIUM]: "medium",
  [RiskTier.HIGH]: "high",
};
const TIER_TO: Record<Tier, RiskTier> = { low: RiskTier.LOW, medium: RiskTier.MEDIUM, high: RiskTier.HIGH };

const LANGUAGE_FROM: Partial<Record<SourceLanguage, SourceLanguageName>> = {
  [SourceLanguage.ASSEMBLYSCRIPT]: "assemblyscript",
  [SourceLanguage.TYPESCRIPT]: "typescript",
};
const LANGUAGE_TO: Record<SourceLanguageName, SourceLanguage> = {
  assemblyscript: SourceLanguage.ASSEMBLYSCRIPT,
  typescript: SourceLanguage.TYPESCRIPT,
};

/** The proto's source language as ours; undefined for one no toolchain builds (unset, Rust, TinyGo). */
export function languageFrom(language: SourceLanguage): SourceLanguageName | undefined {
  return LANGUAGE_FROM[language];
}

/** The proto's kind as ours (empty string when unset, which CreateDraft refuses). */
export function kindFrom(kind: ExtensionKind): Kind {
  return KIND_FROM[kind] ?? ("" as Kind);
}
/** The proto's tier as ours (empty string when unset, which CreateDraft refuses). */
export function tierFrom(tier: RiskTier): Tier {
  return TIER_FROM[tier] ?? ("" as Tier);
}

const STATE_TO: Record<State, LifecycleState> = {
  draft: LifecycleState.DRAFT,
  in_review: LifecycleState.IN_REVIEW,
  promoted_dev: LifecycleState.PROMOTED_DEV,
  promoted_staging: LifecycleState.PROMOTED_STAGING,
  promoted_prod: LifecycleState.PROMOTED_PROD,
  rejected: LifecycleState.REJECTED,
  failed: LifecycleState.FAILED,
};
const stateTo = (s: State | "") => (s === "" ? LifecycleState.UNSPECIFIED : STATE_TO[s]);

const EVENT_TO: Record<EventType, ExtensionEventType> = {
  draft_created: ExtensionEventType.DRAFT_CREATED,
  source_uploaded: ExtensionEventType.SOURCE_UPLOADED,
  compile_requested: ExtensionEventType.COMPILE_REQUESTED,
  compile_succeeded: ExtensionEventType.COMPILE_SUCCEEDED,
  compile_failed: ExtensionEventType.COMPILE_FAILED,
  promotion_requested: ExtensionEventType.PROMOTION_REQUESTED,
  approved: ExtensionEventType.APPROVED,
  rejected: ExtensionEventType.REJECTED,
  version_promoted: ExtensionEventType.VERSION_PROMOTED,
  rolled_back: ExtensionEventType.ROLLED_BACK,
  pinned: ExtensionEventType.PINNED,
  unpinned: ExtensionEventType.UNPINNED,
  domain_bound: ExtensionEventType.DOMAIN_BOUND,
  domain_unbound: ExtensionEventType.DOMAIN_UNBOUND,
  disabled: ExtensionEventType.DISABLED,
  enabled: ExtensionEventType.ENABLED,
};

const ts = (iso: string | undefined) => (iso ? timestampFromDate(new Date(iso)) : undefined);

const STEP_TO = {
  build: CompileStep.BUILD,
  abi_check: CompileStep.ABI_CHECK,
  policy_check: CompileStep.POLICY_CHECK,
};
const SEVERITY_TO = {
  error: DiagnosticSeverity.ERROR,
  warning: DiagnosticSeverity.WARNING,
  info: DiagnosticSeverity.INFO,
};
const STATUS_TO = {
  pending: CompileStatus.PENDING,
  succeeded: CompileStatus.SUCCEEDED,
  failed: CompileStatus.FAILED,
};

function definitionOf(r: RevisionView["revision"]) {
  return create(ExtensionDefinitionSchema, {
    id: r.extensionId,
    tenantId: r.tenantId,
    kind: KIND_TO[r.kind],
    abi: ABI,
    wasmBlobRef: r.wasmBlobRef,
    version: r.version,
    limits: {
      cpuMillis: r.limits.cpu_millis ?? 0,
      memoryMb: r.limits.memory_mb ?? 0,
      timeoutMs: r.limits.timeout_ms ?? 0,
      hostCallsPerInvocation: r.limits.host_calls_per_invocation ?? 0,
    },
    riskTier: TIER_TO[r.riskTier],
    metadata: { description: r.description, createdBy: r.createdBy, tags: r.tags },
    hostCalls: r.hostCalls.map((h) => ({ service: h.service, method: h.method })),
    state: stateTo(r.state),
    sha256: r.sha256,
    inputSchemaJson: r.inputSchemaJson,
    outputSchemaJson: r.outputSchemaJson,
    createdAt: ts(r.createdAt),
  });
}

/** An audit event as the proto's ExtensionEvent; `definition` for VERSION_PROMOTED and ROLLED_BACK. */
export function eventTo(e: EventRecord, definition?: RevisionView["revision"]): ExtensionEvent {
  return create(ExtensionEventSchema, {
    id: e.id,
    type: EVENT_TO[e.type],
    tenantId: e.tenantId,
    extensionId: e.extensionId,
    version: e.version,
    actor: e.actor,
    time: ts(e.time),
    fromState: stateTo(e.fromState),
    toState: stateTo(e.toState),
    env: envTo(e.env),
    comment: e.comment,
    previousVersion: e.previousVersion,
    definition:
      definition && (e.type === "version_promoted" || e.type === "rolled_back")
        ? definitionOf(definition)
        : undefined,
    consumerRef: e.consumerRef,
    author: e.author,
    requestedBy: e.requestedBy,
    approvers: e.approvers,
    replaySummary: replaySummaryOf(e),
  });
}

/** A revision as the proto's ExtensionRevision. */
export function revisionTo(
  v: RevisionView,
  options: { sources?: boolean; events?: boolean } = {},
): ExtensionRevision {
  const r = v.revision;
  const c = r.compile;
  return create(ExtensionRevisionSchema, {
    definition: definitionOf(r),
    language: r.language === "" ? SourceLanguage.UNSPECIFIED : LANGUAGE_TO[r.language],
    sources: options.sources
      ? r.sources.map((f) =>
          create(SourceFileSchema, { path: f.path, content: Buffer.from(f.contentBase64, "base64") }),
        )
      : [],
    manifestJson: r.manifestJson,
    compileResult: c
      ? create(CompileResultSchema, {
          status: STATUS_TO[c.status],
          toolchain: c.toolchain,
          diagnostics: c.diagnostics.map((d) =>
            create(CompileDiagnosticSchema, {
              step: STEP_TO[d.step],
              severity: SEVERITY_TO[d.severity],
              reason: d.reason,
              path: d.path,
              line: d.line,
              column: d.column,
              message: d.message,
            }),
          ),
          testResults: c.tests.map((t) =>
            create(TestResultSchema, {
              name: t.name,
              passed: t.passed,
              message: t.message,
              inputJson: Buffer.from(t.inputJson),
              outputJson: Buffer.from(t.outputJson),
              durationUs: BigInt(t.durationUs),
              maxLimitRatio: t.maxLimitRatio,
            }),
          ),
          moduleBytes: BigInt(c.moduleBytes),
          startedAt: ts(c.startedAt),
          finishedAt: ts(c.finishedAt),
        })
      : undefined,
    pendingPromotion: r.pending
      ? create(PendingPromotionSchema, {
          targetEnv: envTo(r.pending.env),
          requestedBy: r.pending.requestedBy,
          requestedAt: ts(r.pending.requestedAt),
          approvalsRequired: r.pending.approvalsRequired,
          comment: r.pending.comment,
          approvers: v.mayApprove?.approvers ?? r.pending.approvers,
          excludedApprovers: v.mayApprove?.excluded ?? [],
          eligibleApprovers: v.mayApprove?.eligible ?? [],
        })
      : undefined,
    approvals: v.approvals.map((a) =>
      create(ApprovalSchema, {
        approver: a.approver,
        env: envTo(a.env),
        comment: a.comment,
        time: ts(a.time),
      }),
    ),
    events: options.events === false ? [] : v.events.map((e) => eventTo(e, r)),
    baseVersion: r.baseVersion,
    updatedAt: ts(r.updatedAt),
    replayReports: (v.replayReports ?? []).map(replayReportTo),
  });
}

/** An extension as the proto's Extension. */
export function extensionTo(x: ExtensionView): Extension {
  return create(ExtensionSchema, {
    id: x.extensionId,
    tenantId: x.tenantId,
    latestVersion: x.latestVersion,
    deployments: x.deployments.map((d) =>
      create(EnvironmentDeploymentSchema, {
        env: envTo(d.env),
        activeVersion: d.activeVersion,
        updatedBy: d.updatedBy,
        updatedAt: ts(d.updatedAt),
      }),
    ),
    pins: x.pins.map((p) =>
      create(VersionPinSchema, {
        env: envTo(p.env),
        consumerRef: p.consumerRef,
        version: p.version,
        pinnedBy: p.pinnedBy,
        pinnedAt: ts(p.pinnedAt),
        comment: p.comment,
      }),
    ),
  });
}

/** A domain binding as the proto's DomainBinding. */
export function domainBindingTo(b: DomainBindingRecord): DomainBinding {
  return create(DomainBindingSchema, {
    tenantId: b.tenantId,
    env: envTo(b.env),
    domain: b.domain,
    extensionPoint: b.extensionPoint,
    config: { extensionId: b.extensionId, version: b.version },
    updatedBy: b.updatedBy,
    updatedAt: ts(b.updatedAt),
  });
}
