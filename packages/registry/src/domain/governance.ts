import { ExtensionError, RISK_TIERS, type RiskTier } from "@ameide-ext/contract";
import { ENVIRONMENTS, type Env, type TestResultRecord } from "./types.js";

/**
 * The promotion rules of spec 479 §6.4 and §7.2 stage 4, as data. Every
 * refusal names its rule in `details.rule`.
 */
export const RULES = Object.freeze({
  /** An agent may author, compile and request promotion; it never approves. */
  agentCannotApprove: "agent_cannot_approve",
  /** Rejections are reviews, and reviews are human. */
  agentCannotReview: "agent_cannot_review",
  /** A service identity (`service:<id>`, a runtime) calls RollbackOnSlo only, and only a service calls it. */
  serviceScope: "service_scope",
  /** An agent may roll back, pin, bind a domain extension point, or throw a kill switch only in dev. */
  agentCannotRollback: "agent_cannot_rollback",
  /** An agent creates drafts, and uploads sources, up to its maximum risk tier. */
  agentRiskTier: "agent_risk_tier",
  /** An agent requests promotion only to the environments its configuration names. */
  agentEnvironment: "agent_environment",
  /** An agent creates at most its number of versions per hour (counted from the store). */
  agentRate: "agent_rate",
  /** No one approves a revision they created. */
  selfApproval: "self_approval",
  /** A version's sources are its creator's: only they upload them (another author makes a version of their own). */
  notTheAuthor: "not_the_author",
  /** One approval per reviewer per promotion: "two approvals" means two people. */
  duplicateApproval: "duplicate_approval",
  /** Approve and reject need a promotion waiting for that environment. */
  noPendingPromotion: "no_pending_promotion",
  /** One pending promotion per version at a time. */
  promotionPending: "promotion_pending",
  /** Promotion needs a successful compile (build, checks, fixtures). */
  compileRequired: "compile_required",
  /** dev, then staging, then prod. */
  previousEnvRequired: "previous_env_required",
  /** A version is promoted to an environment once. */
  alreadyPromoted: "already_promoted",
  /** High tier before prod: every fixture passes at ≤ 50% of each limit (see HIGH_TIER_MAX_LIMIT_RATIO). */
  highTierTesting: "high_tier_testing",
  /**
   * A version of a risk tier the setting names (default high) needs a replay report attached for an
   * environment it names (default prod) before its promotion there is requested (see replay-reports.ts).
   */
  replayRequired: "replay_required",
  /** Rejected and failed versions accept no further transition (failed: upload new sources first). */
  revisionClosed: "revision_closed",
  /** Sources change only in a draft (or a failed version, which goes back to draft). */
  notADraft: "not_a_draft",
  /** A compile needs sources. */
  noSources: "no_sources",
  /** One compile at a time. */
  compilePending: "compile_pending",
  /** A version compiles once; new sources reset it. */
  alreadyCompiled: "already_compiled",
  /** Rollback, pin and domain bindings target versions promoted to that environment before. */
  notPromotedToEnv: "not_promoted_to_env",
  /** Rollback to what is already active does nothing. */
  alreadyActive: "already_active",
  /** A caller acts only for tenants its credentials name. */
  tenantAccess: "tenant_access",
  /** Row changed under a transaction (see RegistryTx.updateRevision). */
  concurrentUpdate: "concurrent_update",
  /** A CreateDraft request_id names one payload: a replay must send the same one. */
  requestIdReused: "request_id_reused",
  /** A host call is read-only when the operator says so (read_only_host_methods), never by the author's word. */
  hostCallNotReadOnly: "host_call_not_read_only",
  /** A caller's compiles per minute, and at once, are capped (see compile-budget.ts). */
  compileRate: "compile_rate",
} as const);

/** One of {@link RULES}. */
export type RuleName = (typeof RULES)[keyof typeof RULES];

/** Stronger testing of the high tier: every fixture uses at most this share of each limit. */
export const HIGH_TIER_MAX_LIMIT_RATIO = 0.5;

/**
 * Distinct human approvals needed to promote a version of `tier` to `env`
 * (spec 479 §6.4): low needs none for dev (auto-promotion after compile and
 * tests) and one for staging and prod; medium one for each environment; high
 * one for dev and staging and two distinct ones for prod.
 */
export const APPROVALS_REQUIRED: Readonly<Record<RiskTier, Readonly<Record<Env, number>>>> = Object.freeze({
  low: Object.freeze({ dev: 0, staging: 1, prod: 1 }),
  medium: Object.freeze({ dev: 1, staging: 1, prod: 1 }),
  high: Object.freeze({ dev: 1, staging: 1, prod: 2 }),
});

/** Versions an agent may create per hour when its configuration does not say. */
export const DEFAULT_AGENT_VERSIONS_PER_HOUR = 60;
/** The highest `versionsPerHour` a configuration may set. */
export const MAX_AGENT_VERSIONS_PER_HOUR = 10_000;
/** The window of `versionsPerHour`, in milliseconds. */
export const AGENT_RATE_WINDOW_MS = 3_600_000;

/** One agent's guardrails, as configured; each field absent takes the default's. */
export interface AgentLimitsOptions {
  /** The highest risk tier it may create or upload. Default "low". */
  maxRiskTier?: RiskTier | undefined;
  /** The environments it may request promotion to. Default all: dev, staging, prod. */
  environments?: readonly Env[] | undefined;
  /** Versions (CreateDraft) it may create per hour, 1 to 10,000. Default 60. */
  versionsPerHour?: number | undefined;
}

/** One agent's guardrails with the defaults filled in. */
export interface AgentLimits {
  maxRiskTier: RiskTier;
  environments: readonly Env[];
  versionsPerHour: number;
}

/** Governance settings. */
export interface GovernanceOptions {
  /**
   * Per agent (`agent:<id>`), and `default` for every agent not listed: its guardrails. A field an
   * agent's entry leaves out comes from `default`, then from the built-in defaults.
   */
  agents?: Readonly<Record<string, AgentLimitsOptions>> | undefined;
  /** The older form of `agents.default.maxRiskTier` (which wins when both are set). */
  defaultAgentMaxRiskTier?: RiskTier | undefined;
  /** The older form of `agents["agent:<id>"].maxRiskTier` (which wins when both are set). */
  agentMaxRiskTier?: Readonly<Record<string, RiskTier>> | undefined;
  /** Where a replay report is required before promotion. Default: prod, for the high tier. */
  replayRequired?: ReplayRequiredOptions | undefined;
}

/** Where a replay report is required before promotion: the environments and the risk tiers. */
export interface ReplayRequiredOptions {
  /** Default ["prod"]; empty: nowhere. */
  envs?: readonly Env[] | undefined;
  /** Default ["high"]; empty: no tier. */
  riskTiers?: readonly RiskTier[] | undefined;
}

/** The governance settings with defaults filled in. */
export interface Governance {
  /** Whether a promotion of a version of `tier` to `env` needs a replay report attached (`replay_required`). */
  replayRequired(env: Env, tier: RiskTier): boolean;
  /** The agent's guardrails (the default's when it is not listed). */
  limitsOf(agent: string): AgentLimits;
  /** The agent's maximum risk tier. */
  maxRiskTierOf(agent: string): RiskTier;
}

/** Refuses one agent's entry whose values are out of their bounds. */
function checkAgentLimits(agent: string, limits: AgentLimitsOptions): void {
  const bad = (what: string) =>
    new ExtensionError("invalid_argument", `governance of ${agent}: ${what}`, "invalid_manifest", { agent });
  if (agent !== "default" && !agent.startsWith("agent:"))
    throw bad(`the key must be "default" or agent:<id>, not ${JSON.stringify(agent)}`);
  if (limits.maxRiskTier !== undefined && !RISK_TIERS.includes(limits.maxRiskTier))
    throw bad(`max risk tier ${JSON.stringify(limits.maxRiskTier)} is not low, medium or high`);
  for (const env of limits.environments ?? [])
    if (!ENVIRONMENTS.includes(env))
      throw bad(`environment ${JSON.stringify(env)} is not dev, staging or prod`);
  const rate = limits.versionsPerHour;
  if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= MAX_AGENT_VERSIONS_PER_HOUR))
    throw bad(`versions per hour is ${rate}, it must be an integer from 1 to ${MAX_AGENT_VERSIONS_PER_HOUR}`);
}

/** The per-agent entries of both forms of the settings, merged (the `agents` form wins). */
function mergedAgents(options: GovernanceOptions): Record<string, AgentLimitsOptions> {
  const merged: Record<string, AgentLimitsOptions> = {};
  if (options.defaultAgentMaxRiskTier !== undefined)
    merged.default = { maxRiskTier: options.defaultAgentMaxRiskTier };
  for (const [agent, tier] of Object.entries(options.agentMaxRiskTier ?? {}))
    merged[agent] = { maxRiskTier: tier };
  for (const [agent, limits] of Object.entries(options.agents ?? {}))
    merged[agent] = { ...merged[agent], ...definedOnly(limits) };
  return merged;
}

function definedOnly(limits: AgentLimitsOptions): AgentLimitsOptions {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

/** Builds the governance settings, checked once. */
export function createGovernance(options: GovernanceOptions = {}): Governance {
  const agents = mergedAgents(options);
  for (const [agent, limits] of Object.entries(agents)) checkAgentLimits(agent, limits);
  const fallback: AgentLimits = {
    maxRiskTier: "low",
    environments: [...ENVIRONMENTS],
    versionsPerHour: DEFAULT_AGENT_VERSIONS_PER_HOUR,
    ...definedOnly(agents.default ?? {}),
  };
  const limitsOf = (agent: string): AgentLimits => ({
    ...fallback,
    ...definedOnly((agent === "default" ? undefined : agents[agent]) ?? {}),
  });
  const replay = checkedReplayRequired(options.replayRequired ?? {});
  return {
    limitsOf,
    maxRiskTierOf: (agent) => limitsOf(agent).maxRiskTier,
    replayRequired: (env, tier) => replay.envs.includes(env) && replay.riskTiers.includes(tier),
  };
}

/** The replay_required setting with its defaults (prod, high), its values checked. */
function checkedReplayRequired(options: ReplayRequiredOptions): { envs: Env[]; riskTiers: RiskTier[] } {
  const envs = [...(options.envs ?? ["prod"])];
  const riskTiers = [...(options.riskTiers ?? ["high"])];
  const bad = (what: string) =>
    new ExtensionError("invalid_argument", `governance replay_required: ${what}`, "invalid_manifest");
  for (const env of envs)
    if (!ENVIRONMENTS.includes(env))
      throw bad(`environment ${JSON.stringify(env)} is not dev, staging or prod`);
  for (const tier of riskTiers)
    if (!RISK_TIERS.includes(tier)) throw bad(`risk tier ${JSON.stringify(tier)} is not low, medium or high`);
  return { envs, riskTiers };
}

/** True for `agent:<id>` callers. */
export function isAgent(actor: string): boolean {
  return actor.startsWith("agent:");
}

/** True for a person (`user:<id>`): the only callers who review (approve, reject). */
export function isHuman(actor: string): boolean {
  return actor.startsWith("user:");
}

/** Whether the actor is a platform service (`service:<id>`): it may call RollbackOnSlo only. */
export function isService(actor: string): boolean {
  return actor.startsWith("service:");
}

/** Rank of a tier, to compare them. */
export function tierRank(tier: RiskTier): number {
  return RISK_TIERS.indexOf(tier);
}

/**
 * A refusal by a rule: `permission_denied` (who), `failed_precondition` (when) or `resource_exhausted`
 * (how often), with `details.rule`.
 */
export function refuse(
  code: "permission_denied" | "failed_precondition" | "resource_exhausted",
  rule: RuleName,
  message: string,
  details: Record<string, unknown> = {},
): ExtensionError {
  return new ExtensionError(code, message, undefined, { rule, ...details });
}

/** The fixtures that break the high tier's stronger testing rule. */
export function highTierShortfalls(tests: readonly TestResultRecord[]): string[] {
  if (tests.length === 0) return ["no fixtures ran"];
  return tests
    .filter((t) => !t.passed || t.maxLimitRatio > HIGH_TIER_MAX_LIMIT_RATIO)
    .map((t) =>
      t.passed
        ? `${t.name} uses ${Math.round(t.maxLimitRatio * 100)}% of a limit (at most ${HIGH_TIER_MAX_LIMIT_RATIO * 100}%)`
        : `${t.name} fails`,
    );
}
