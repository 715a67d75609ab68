import { ExtensionError } from "@ameide-ext/contract";
import { checkAgentEnvironment } from "./agent-guardrails.js";
import { MAX_BASES, unreviewedAuthors } from "./code-authors.js";
import { deploy } from "./deployments.js";
import { APPROVALS_REQUIRED, highTierShortfalls, isAgent, isHuman, RULES, refuse } from "./governance.js";
import { approvalFix, mayApprove } from "./may-approve.js";
import type { Caller, Registry, RevisionView } from "./registry.js";
import { checkEnv, type RegistryContext, SYSTEM_RULES } from "./registry-context.js";
import { checkReplayRequired, replayEventData, replayReportFor } from "./replay-reports.js";
import { ENVIRONMENTS, type Env, type LifecycleState, promotedRank, type RevisionRecord } from "./types.js";

// Promotion: a version's way from draft to prod, one environment at a time, under the governance
// rules (governance.ts): RequestPromotion, then the approvals its risk tier needs, or a rejection.

/** RequestPromotion's request. */
type PromotionInput = Parameters<Registry["requestPromotion"]>[1];
/** Approve's request. */
type ApproveInput = Parameters<Registry["approve"]>[1];
/** Reject's request. */
type RejectInput = Parameters<Registry["reject"]>[1];

/** The refusal for a review (approve, reject) of a version with no promotion to `env` waiting. */
function noPendingPromotion(
  rev: { version: string; state: string; pending?: { env: string } | undefined },
  env: string,
) {
  return refuse(
    "failed_precondition",
    RULES.noPendingPromotion,
    `version ${rev.version} has no promotion to ${env} waiting for review${rev.pending ? ` (it waits for ${rev.pending.env})` : ""}`,
    { state: rev.state },
  );
}

/** Refuses a promotion of `rev` to `env` that a rule forbids (state, compile, order, pending, tests). */
function checkPromotable(rev: RevisionRecord, env: Env): void {
  if (rev.state === "rejected" || rev.state === "failed")
    throw refuse("failed_precondition", RULES.revisionClosed, `version ${rev.version} is ${rev.state}`, {
      state: rev.state,
    });
  if (rev.compile?.status !== "succeeded")
    throw refuse(
      "failed_precondition",
      RULES.compileRequired,
      `version ${rev.version} has not compiled successfully (compile: ${rev.compile?.status ?? "not requested"})`,
    );
  const envRank = ENVIRONMENTS.indexOf(env) + 1;
  const rank = promotedRank(rev.state);
  if (rank >= envRank)
    throw refuse(
      "failed_precondition",
      RULES.alreadyPromoted,
      `version ${rev.version} is ${rev.state} already`,
      {
        state: rev.state,
      },
    );
  if (rank < envRank - 1)
    throw refuse(
      "failed_precondition",
      RULES.previousEnvRequired,
      `version ${rev.version} must be promoted to ${ENVIRONMENTS[envRank - 2]} before ${env}`,
      { state: rev.state },
    );
  if (rev.pending)
    throw refuse(
      "failed_precondition",
      RULES.promotionPending,
      `version ${rev.version} already waits for approval to ${rev.pending.env}`,
      { pendingEnv: rev.pending.env },
    );
  if (rev.riskTier === "high" && env === "prod") {
    const shortfalls = highTierShortfalls(rev.compile.tests);
    if (shortfalls.length > 0)
      throw refuse(
        "failed_precondition",
        RULES.highTierTesting,
        `high risk tier needs every fixture passing at ≤ 50% of each limit before prod: ${shortfalls.join("; ")}`,
        { shortfalls },
      );
  }
}

/** RequestPromotion: deploys at once when the tier needs no approval, else waits for reviews. */
async function requestPromotion(
  ctx: RegistryContext,
  caller: Caller,
  input: PromotionInput,
): Promise<RevisionView> {
  ctx.checkTenant(caller, input.tenantId);
  const env = checkEnv(input.env);
  checkAgentEnvironment(ctx.governance, caller, env);
  return ctx.write(async (tx, changed) => {
    const rev = await ctx.loadRevision(tx, input, true);
    checkPromotable(rev, env);
    const data = replayEventData(await checkReplayRequired(ctx, tx, rev, env));
    const required = APPROVALS_REQUIRED[rev.riskTier][env];
    const comment = input.comment ?? "";
    await ctx.event(tx, rev, {
      type: "promotion_requested",
      actor: caller.actor,
      fromState: rev.state,
      toState: rev.state === "draft" && required > 0 ? "in_review" : rev.state,
      env,
      comment,
      requestedBy: caller.actor,
      data,
    });
    if (required === 0) {
      const by = { env, actor: SYSTEM_RULES, comment, requestedBy: caller.actor, data };
      return ctx.view(tx, await deploy(ctx, tx, changed, rev, by));
    }
    const updated = await tx.updateRevision({
      ...rev,
      state: rev.state === "draft" ? "in_review" : rev.state,
      pending: {
        env,
        requestedBy: caller.actor,
        requestedAt: ctx.now().toISOString(),
        approvalsRequired: required,
        approvers: [],
        comment,
      },
      updatedAt: ctx.now().toISOString(),
    });
    return ctx.view(tx, updated);
  });
}

/** Approve: one human's approval; the last one the tier needs deploys the version. */
async function approve(ctx: RegistryContext, caller: Caller, input: ApproveInput): Promise<RevisionView> {
  ctx.checkTenant(caller, input.tenantId);
  const env = checkEnv(input.env);
  return ctx.write(async (tx, changed) => {
    const rev = await ctx.loadRevision(tx, input, true);
    const pending = rev.pending?.env === env ? rev.pending : undefined;
    const code = await unreviewedAuthors(tx, rev);
    const { authors } = code;
    const may = mayApprove(rev, ctx.reviewersOf(rev.tenantId), code);
    // Every refusal of an approval says who may give it instead, and how.
    const instead = () => (pending && may ? { mayApprove: may, fix: approvalFix(may, rev, env) } : {});
    const andFix = (message: string) =>
      pending && may ? `${message}; ${approvalFix(may, rev, env)}` : message;
    if (isAgent(caller.actor))
      throw refuse(
        "permission_denied",
        RULES.agentCannotApprove,
        andFix(
          `${caller.actor} is an agent: agents may author, compile and request promotion, never approve`,
        ),
        instead(),
      );
    if (!isHuman(caller.actor))
      throw refuse(
        "permission_denied",
        RULES.serviceScope,
        andFix(`${caller.actor} is not a person (user:<id>): approvals are human`),
        instead(),
      );
    if (!pending) throw noPendingPromotion(rev, env);
    if (!code.complete)
      throw refuse(
        "permission_denied",
        RULES.selfApproval,
        `version ${rev.version} is made from more than ${MAX_BASES} unreviewed versions in a row: who wrote its code is not known; create it from a reviewed version`,
      );
    if (authors.includes(caller.actor))
      throw refuse(
        "permission_denied",
        RULES.selfApproval,
        andFix(
          rev.createdBy === caller.actor
            ? `${caller.actor} created version ${rev.version}: no one approves their own revision`
            : `${caller.actor} wrote an unreviewed version that version ${rev.version} was made from: no one approves their own code`,
        ),
        instead(),
      );
    if (pending.approvers.includes(caller.actor))
      throw refuse(
        "failed_precondition",
        RULES.duplicateApproval,
        andFix(
          `${caller.actor} approved this promotion already; it needs ${pending.approvalsRequired} distinct approvals`,
        ),
        instead(),
      );
    const at = ctx.now().toISOString();
    const comment = input.comment ?? "";
    await tx.addApproval({ ...input, env, approver: caller.actor, comment, time: at });
    const approvers = [...pending.approvers, caller.actor];
    const replay = replayEventData(await replayReportFor(tx, rev, env));
    await ctx.event(tx, rev, {
      type: "approved",
      actor: caller.actor,
      fromState: rev.state,
      toState: rev.state,
      env,
      comment,
      requestedBy: pending.requestedBy,
      approvers,
      data: { approvals: approvers.length, required: pending.approvalsRequired, ...replay },
    });
    if (approvers.length >= pending.approvalsRequired) {
      const by = {
        env,
        actor: caller.actor,
        comment,
        requestedBy: pending.requestedBy,
        approvers,
        data: replay,
      };
      return ctx.view(tx, await deploy(ctx, tx, changed, rev, by));
    }
    const updated = await tx.updateRevision({
      ...rev,
      pending: { ...pending, approvers },
      updatedAt: at,
    });
    return ctx.view(tx, updated);
  });
}

/** Reject: ends the waiting promotion; a version never promoted anywhere becomes `rejected`. */
async function reject(ctx: RegistryContext, caller: Caller, input: RejectInput): Promise<RevisionView> {
  ctx.checkTenant(caller, input.tenantId);
  const env = checkEnv(input.env);
  if (isAgent(caller.actor))
    throw refuse(
      "permission_denied",
      RULES.agentCannotReview,
      `${caller.actor} is an agent: reviews (approve, reject) are human`,
    );
  if (!isHuman(caller.actor))
    throw refuse(
      "permission_denied",
      RULES.serviceScope,
      `${caller.actor} is not a person (user:<id>): reviews (approve, reject) are human`,
    );
  if (!input.comment?.trim())
    throw new ExtensionError("invalid_argument", "a rejection needs a comment saying why");
  return ctx.write(async (tx) => {
    const rev = await ctx.loadRevision(tx, input, true);
    if (!rev.pending || rev.pending.env !== env) throw noPendingPromotion(rev, env);
    const to: LifecycleState = promotedRank(rev.state) === 0 ? "rejected" : rev.state;
    const updated = await tx.updateRevision({
      ...rev,
      state: to,
      pending: undefined,
      updatedAt: ctx.now().toISOString(),
    });
    await ctx.event(tx, rev, {
      type: "rejected",
      actor: caller.actor,
      fromState: rev.state,
      toState: to,
      env,
      comment: input.comment,
      requestedBy: rev.pending.requestedBy,
      approvers: rev.pending.approvers,
    });
    return ctx.view(tx, updated);
  });
}

/** The promotion RPCs: RequestPromotion, Approve, Reject. */
export function createPromotion(
  ctx: RegistryContext,
): Pick<Registry, "requestPromotion" | "approve" | "reject"> {
  return {
    requestPromotion: (caller, input) => requestPromotion(ctx, caller, input),
    approve: (caller, input) => approve(ctx, caller, input),
    reject: (caller, input) => reject(ctx, caller, input),
  };
}
