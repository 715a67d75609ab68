import type { RiskTier } from "@ameide-ext/contract";
import type { RegistryTx } from "../store/registry-store.js";
import { AGENT_RATE_WINDOW_MS, type Governance, isAgent, RULES, refuse, tierRank } from "./governance.js";
import type { Caller } from "./registry.js";
import type { Env } from "./types.js";

// The guardrails per agent (spec 479 §9 EXT-WASM-04): the highest risk tier it may create or upload,
// the environments it may request promotion to, and how many versions it may create per hour. Each
// refusal names its rule, the agent, the limit and the fix; humans are not limited by them.

/** Where an agent's guardrails are configured, for the `fix` of a refusal. */
const CONFIGURED_IN = "the registry config's governance.agents";

/** Refuses an agent whose maximum risk tier is below `tier` (`agent_risk_tier`); `doing` says what it tried. */
export function checkAgentRiskTier(
  governance: Governance,
  caller: Caller,
  tier: RiskTier,
  doing: string,
): void {
  if (!isAgent(caller.actor)) return;
  const max = governance.limitsOf(caller.actor).maxRiskTier;
  if (tierRank(tier) <= tierRank(max)) return;
  const fix = `lower the risk tier to ${max} or below, have a human (user:<id>) do it, or raise ${caller.actor}'s max_risk_tier in ${CONFIGURED_IN}`;
  throw refuse(
    "permission_denied",
    RULES.agentRiskTier,
    `${caller.actor} may ${doing} up to risk tier ${max}, not ${tier}: ${fix}`,
    { agent: caller.actor, limit: max, max, requested: tier, fix },
  );
}

/** Refuses an agent's promotion request to an environment its configuration does not name (`agent_environment`). */
export function checkAgentEnvironment(governance: Governance, caller: Caller, env: Env): void {
  if (!isAgent(caller.actor)) return;
  const allowed = governance.limitsOf(caller.actor).environments;
  if (allowed.includes(env)) return;
  const fix = `a human (user:<id>) requests the promotion to ${env}, or add ${env} to ${caller.actor}'s environments in ${CONFIGURED_IN}`;
  throw refuse(
    "permission_denied",
    RULES.agentEnvironment,
    `${caller.actor} may request promotion to ${allowed.join(", ")} only, not ${env}: ${fix}`,
    { agent: caller.actor, env, allowed: [...allowed], fix },
  );
}

/**
 * Refuses an agent that created its `versionsPerHour` versions in the last hour (`agent_rate`,
 * resource_exhausted). Counts from the store, inside the caller's transaction (which the count locks
 * for the agent), so the limit holds across restarts and concurrent requests.
 */
export async function checkAgentRate(
  governance: Governance,
  tx: RegistryTx,
  caller: Caller,
  now: Date,
): Promise<void> {
  if (!isAgent(caller.actor)) return;
  const limit = governance.limitsOf(caller.actor).versionsPerHour;
  const since = new Date(now.getTime() - AGENT_RATE_WINDOW_MS).toISOString();
  const actual = await tx.countVersionsCreatedBy(caller.actor, since);
  if (actual < limit) return;
  const fix = `wait until versions of the last hour age out, reuse a version (upload new sources to a draft), or raise ${caller.actor}'s versions_per_hour in ${CONFIGURED_IN}`;
  throw refuse(
    "resource_exhausted",
    RULES.agentRate,
    `${caller.actor} created ${actual} versions in the last hour, the limit is ${limit} per hour: ${fix}`,
    { agent: caller.actor, limit, actual, retryAfterSeconds: AGENT_RATE_WINDOW_MS / 1000, fix },
  );
}
