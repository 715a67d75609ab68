import type { RegistryTx } from "../store/registry-store.js";
import { type Actor, promotedRank, type RevisionRecord } from "./types.js";

/** How many bases back a version's authors are looked for; past it, the lineage is not known. */
export const MAX_BASES = 64;

/** Who wrote a version's unreviewed code, and whether its whole lineage was read (not cut at {@link MAX_BASES}). */
export interface CodeAuthors {
  authors: Actor[];
  complete: boolean;
}

/**
 * Who wrote code of `rev` that no one else has reviewed: its creator, then
 * the creators of the versions it was made from (`baseVersion`: CreateDraft
 * copies the base's sources), back to the first base that is reviewed code:
 * promoted somewhere on the approval of someone other than these authors, and
 * never rejected (a base rejected for prod after its staging approval is not).
 * Without the bases, a version copied from one's own unreviewed version by
 * somebody else was theirs to approve. `complete` is false when the walk
 * stopped at {@link MAX_BASES} without reaching reviewed code or the first
 * version: its approvers are then unknown, and approve refuses.
 */
export async function unreviewedAuthors(tx: RegistryTx, rev: RevisionRecord): Promise<CodeAuthors> {
  const authors: Actor[] = [rev.createdBy];
  const seen = new Set([rev.version]);
  let base = rev.baseVersion;
  for (let i = 0; base && !seen.has(base); i++) {
    if (i === MAX_BASES) return { authors, complete: false };
    seen.add(base);
    const prev = await tx.getRevision(rev.tenantId, rev.extensionId, base);
    if (!prev) break;
    if (await isReviewed(tx, prev, authors)) break;
    if (!authors.includes(prev.createdBy)) authors.push(prev.createdBy);
    base = prev.baseVersion;
  }
  return { authors, complete: true };
}

/** Whether `rev`'s code had four eyes: promoted on another's approval (not one of `authors`), never rejected. */
async function isReviewed(tx: RegistryTx, rev: RevisionRecord, authors: readonly Actor[]): Promise<boolean> {
  if (promotedRank(rev.state) === 0) return false;
  const approvals = await tx.listApprovals(rev.tenantId, rev.extensionId, rev.version);
  if (!approvals.some((a) => a.approver !== rev.createdBy && !authors.includes(a.approver))) return false;
  const events = await tx.listEvents(rev.tenantId, rev.extensionId, { version: rev.version, limit: 500 });
  return !events.some((e) => e.type === "rejected");
}
