import type { ErrorCode } from "@ameide-ext/contract";

/** A rule's entry: the code its refusal carries, what it means, what to do. */
export interface RuleGuide {
  code: ErrorCode;
  meaning: string;
  fix: string;
}

/**
 * What to do when the registry (or `ameide-ext mcp`) refuses a request by a rule: the rule names in
 * `error.details.rule` (docs/registry.md, "every refusal … names the rule") with their meaning and the one-line
 * fix, for people and agents. A rule missing here falls back to the fix of its code.
 */
export const RULE_FIXES: Readonly<Record<string, RuleGuide>> = {
  unauthenticated: {
    code: "unauthenticated",
    meaning: "no token, or one the registry does not know",
    fix: "pass the token `ameide-ext dev` printed (--token, AMEIDE_TOKEN or the config file)",
  },
  tenant_access: {
    code: "permission_denied",
    meaning: "the token does not name the request's tenant",
    fix: "use the tenant your token is for (--tenant / AMEIDE_TENANT), or a token for that tenant",
  },
  agent_risk_tier: {
    code: "permission_denied",
    meaning: "an agent created a draft, or uploaded sources, above its maximum risk tier",
    fix: "lower risk_tier in extension.json (drop the host calls that need it), have a human (user:<id>) do it, or ask a human to raise this agent's max_risk_tier in the registry config's governance.agents",
  },
  host_call_not_read_only: {
    code: "failed_precondition",
    meaning:
      "the manifest marks a host call read_only whose method the registry's operator does not list as read-only (read_only_host_methods)",
    fix: "drop read_only from extension.json's host_calls (the registry decides it), call a method the operator lists as read-only, or ask the operator to list the method (on ameide-ext dev you are the operator: start it with --read-only <service>/<method>)",
  },
  compile_rate: {
    code: "resource_exhausted",
    meaning: "the caller asked for more compiles per minute, or at once, than its compile budget allows",
    fix: "wait details.retryAfterSeconds (or for your running compile to end), and build and test locally (ameide-ext build, test) before each compile",
  },
  agent_environment: {
    code: "permission_denied",
    meaning: "the agent may not request promotion to that environment",
    fix: "promote only to the environments this agent may reach (e.g. dev); a human takes it further",
  },
  agent_rate: {
    code: "resource_exhausted",
    meaning: "the agent created more versions this hour than its rate limit allows",
    fix: "wait for the window to pass, and test locally (test_hook) before each promote",
  },
  agent_cannot_approve: {
    code: "permission_denied",
    meaning: "an agent tried to approve a promotion",
    fix: "an agent never approves: ask a human reviewer to run `ameide-ext approve`",
  },
  agent_cannot_review: {
    code: "permission_denied",
    meaning: "an agent tried to reject a promotion",
    fix: "reviews are human: ask a reviewer",
  },
  agent_cannot_rollback: {
    code: "permission_denied",
    meaning:
      "an agent tried to roll back, pin, bind, throw a kill switch or attach a replay report outside dev",
    fix: "do it in dev only, or ask a human for staging and prod",
  },
  service_scope: {
    code: "permission_denied",
    meaning:
      "a service credential (a runtime's) called anything but RollbackOnSlo, or someone else called RollbackOnSlo",
    fix: "use a user token for this command; RollbackOnSlo is for runtimes (people use ameide-ext rollback)",
  },
  not_the_author: {
    code: "permission_denied",
    meaning: "someone other than the version's creator uploaded sources into it",
    fix: "create a version of your own (promote does: CreateDraft with that version as its base), and upload there",
  },
  self_approval: {
    code: "permission_denied",
    meaning: "the version's author tried to approve it",
    fix: "another person must approve: ask a reviewer who did not author this version",
  },
  duplicate_approval: {
    code: "failed_precondition",
    meaning: "the same reviewer approved the same promotion twice",
    fix: "a second approval must come from another reviewer",
  },
  no_pending_promotion: {
    code: "failed_precondition",
    meaning: "approve or reject with no promotion waiting for that environment",
    fix: "request the promotion first (promote --env <env>), then approve",
  },
  promotion_pending: {
    code: "failed_precondition",
    meaning: "a promotion already waits for this version",
    fix: "wait for the pending promotion's approvals (hook_status shows it)",
  },
  compile_required: {
    code: "failed_precondition",
    meaning: "promotion of a version without a successful compile",
    fix: "fix the compile's diagnostics and failing fixtures, then promote again",
  },
  previous_env_required: {
    code: "failed_precondition",
    meaning: "staging before dev, or prod before staging",
    fix: "promote to the previous environment first (promote takes it step by step)",
  },
  already_promoted: {
    code: "failed_precondition",
    meaning: "the version is in (or past) that environment already",
    fix: "nothing to do; hook_status shows where it runs",
  },
  high_tier_testing: {
    code: "failed_precondition",
    meaning: "a high-tier version to prod with a fixture over 50% of a limit, or no fixtures",
    fix: "add fixtures and make each stay under 50% of every limit (test_hook shows the usage)",
  },
  replay_required: {
    code: "failed_precondition",
    meaning:
      "the environment and the version's risk tier need a replay report attached before promotion there",
    fix: "run the version against that environment's recorded decisions and attach the report: ameide-ext replay --from runtime --extension <id> --against <version> --attach --env <env> (details.fix has the exact command)",
  },
  revision_closed: {
    code: "failed_precondition",
    meaning: "the version was rejected or failed and accepts no transition",
    fix: "change the sources and promote again: that makes a new version",
  },
  not_a_draft: {
    code: "failed_precondition",
    meaning: "sources uploaded to a version past draft",
    fix: "change the sources and promote: a new version is created",
  },
  no_sources: {
    code: "failed_precondition",
    meaning: "a compile without sources",
    fix: "upload the sources first (promote does)",
  },
  compile_pending: {
    code: "failed_precondition",
    meaning: "a compile runs already",
    fix: "wait for it (promote waits)",
  },
  already_compiled: {
    code: "failed_precondition",
    meaning: "the version compiled already",
    fix: "change the sources for a new version, or promote the compiled one",
  },
  not_promoted_to_env: {
    code: "failed_precondition",
    meaning: "rollback, pin or binding to a version that never ran in that environment",
    fix: "pick a version that ran there (hook_status lists them)",
  },
  already_active: {
    code: "failed_precondition",
    meaning: "rollback to the active version",
    fix: "nothing to do, or name another version",
  },
  concurrent_update: {
    code: "failed_precondition",
    meaning: "the version changed under the request",
    fix: "retry",
  },
  request_id_reused: {
    code: "failed_precondition",
    meaning: "a CreateDraft request id sent before with another payload",
    fix: "use a new request id for new sources (promote does)",
  },
  approvals_required: {
    code: "failed_precondition",
    meaning: "the promotion waits for human approvals",
    fix: "ask a human reviewer (not the author, not an agent) to run `ameide-ext approve`, then promote again",
  },
  workspace_root: {
    code: "permission_denied",
    meaning: "a tool argument named a path outside the MCP server's workspace root",
    fix: "give a path inside the root, relative to it, without ../ or a symlink out",
  },
  hook_folder: {
    code: "permission_denied",
    meaning:
      "a file of the hook folder that promote would upload is a symlink that leads out of that folder (or nowhere)",
    fix: "replace the symlink (error.details.link) with a copy of the file it points at, or remove it: promote uploads the hook folder's own files only",
  },
  config_discovery: {
    code: "permission_denied",
    meaning:
      "a .ameide-dev/config.json found above the working directory is not what dev writes: another user's or writable by others, a URL off this machine, or a runtime_token_file outside its folder or not a regular file of yours (a symlink)",
    fix: "name the file with --config (or AMEIDE_CONFIG) if you trust it, pass --registry/--runtime yourself, or remove it",
  },
};

/** The meaning and fix of a refusal's `details.rule`; undefined for a rule not in {@link RULE_FIXES}. */
export function explainRule(rule: string): (RuleGuide & { rule: string }) | undefined {
  const found = Object.hasOwn(RULE_FIXES, rule) ? RULE_FIXES[rule] : undefined;
  return found === undefined ? undefined : { rule, ...found };
}
