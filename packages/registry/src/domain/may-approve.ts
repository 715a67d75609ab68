import type { CodeAuthors } from "./code-authors.js";
import type { Actor, RevisionRecord } from "./types.js";

/**
 * Who may give the approvals a pending promotion still needs: any human (`user:<id>`) acting for the
 * tenant except the `excluded` (the author, the reviewers who approved it already); never an agent.
 */
export interface MayApprove {
  /** The reviewers who approved this request so far, in order. */
  approvers: Actor[];
  /** Who may not approve it: the version's author (and the authors of unreviewed bases it copies), then those who approved already. */
  excluded: Actor[];
  /**
   * The humans the registry knows for the tenant (its static tokens) who may approve it now; empty
   * when it knows none (JWT sign-in only): then any other human of the tenant may.
   */
  eligible: Actor[];
}

/**
 * Who may approve `rev`'s pending promotion, of the identities `known` for its tenant; undefined when none
 * waits. `authors`: who wrote its unreviewed code (unreviewedAuthors), its creator by default.
 */
export function mayApprove(
  rev: RevisionRecord,
  known: readonly Actor[],
  code: CodeAuthors = { authors: [rev.createdBy], complete: true },
): MayApprove | undefined {
  if (!rev.pending) return undefined;
  const approvers = [...rev.pending.approvers];
  const excluded = [...new Set([...code.authors, ...approvers])];
  // A lineage too long to read: no one is known to be eligible (approve refuses).
  if (!code.complete) return { approvers, excluded, eligible: [] };
  const eligible = known.filter((who) => who.startsWith("user:") && !excluded.includes(who));
  return { approvers, excluded, eligible: [...new Set(eligible)] };
}

/** One line saying who should approve instead, and how (the `fix` of a refused approval). */
export function approvalFix(
  may: MayApprove,
  rev: Pick<RevisionRecord, "extensionId" | "version" | "tenantId">,
  env: string,
): string {
  const who =
    may.eligible.length > 0
      ? may.eligible.join(" or ")
      : `a human (user:<id>) of tenant ${rev.tenantId} other than ${may.excluded.join(", ")}`;
  return `ask ${who} to run: ameide-ext approve ${rev.extensionId} ${rev.version} --env ${env}`;
}
