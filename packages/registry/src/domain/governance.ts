import { ExtensionError, RISK_TIERS, type RiskTier } from "@ameide-ext/contract";
import type { Env, TestResultRecord } from "./types.js";

/**
 * The promotion rules of spec 479 §6.4 and §7.2 stage 4, as data. Every
 * refusal names its rule in `details.rule`.
 */
export const RULES = Object.freeze({
  /** An agent may author, compile and request promotion; it never approves. */
  agentCannotApprove: "agent_cannot_approve",
  /** Rejections are reviews, and reviews are human. */
  agentCannotReview: "agent_cannot_review",
  /** An agent may roll back, pin, or bind a domain extension point only in dev. */
  agentCannotRollback: "agent_cannot_rollback",
  /** An agent may create drafts up to its maximum risk tier. */
  agentRiskTier: "agent_risk_tier",
  /** No one approves a revision they created. */
  selfApproval: "self_approval",
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

/** Governance settings. */
export interface GovernanceOptions {
  /** Highest risk tier an agent may create, when `agentMaxRiskTier` does not name it. Default "low". */
  defaultAgentMaxRiskTier?: RiskTier | undefined;
  /** Per agent (`agent:<id>`): the highest risk tier it may create. */
  agentMaxRiskTier?: Readonly<Record<string, RiskTier>> | undefined;
}

/** The governance settings with defaults filled in. */
export interface Governance {
  maxRiskTierOf(agent: string): RiskTier;
}

/** Builds the governance settings, checked once. */
export function createGovernance(options: GovernanceOptions = {}): Governance {
  const fallback = options.defaultAgentMaxRiskTier ?? "low";
  const per = { ...(options.agentMaxRiskTier ?? {}) };
  for (const [agent, tier] of Object.entries({ default: fallback, ...per })) {
    if (!RISK_TIERS.includes(tier))
      throw new ExtensionError(
        "invalid_argument",
        `agent ${agent}: max risk tier ${JSON.stringify(tier)} is not low, medium or high`,
      );
  }
  return { maxRiskTierOf: (agent) => per[agent] ?? fallback };
}

/** True for `agent:<id>` callers. */
export function isAgent(actor: string): boolean {
  return actor.startsWith("agent:");
}

/** Rank of a tier, to compare them. */
export function tierRank(tier: RiskTier): number {
  return RISK_TIERS.indexOf(tier);
}

/** A refusal by a rule: `permission_denied` (who) or `failed_precondition` (when), with `details.rule`. */
export function refuse(
  code: "permission_denied" | "failed_precondition",
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
