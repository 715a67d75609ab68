import type { RegistryTx } from "../store/registry-store.js";
import type { Actor, RevisionRecord } from "./types.js";

/** How many bases back a version's authors are looked for. */
const MAX_BASES = 64;

/**
 * Who wrote code of `rev` that no one else has reviewed: its creator, then
 * the creators of the versions it was made from (`baseVersion`: CreateDraft
 * copies the base's sources), back to the first base another person approved
 * (its code had four eyes, so its author may review what was built on it).
 * Without the bases, a version copied from one's own unreviewed version by
 * somebody else was theirs to approve.
 */
export async function unreviewedAuthors(tx: RegistryTx, rev: RevisionRecord): Promise<Actor[]> {
  const authors: Actor[] = [rev.createdBy];
  const seen = new Set([rev.version]);
  let base = rev.baseVersion;
  for (let i = 0; base && i < MAX_BASES && !seen.has(base); i++) {
    seen.add(base);
    const prev = await tx.getRevision(rev.tenantId, rev.extensionId, base);
    if (!prev) break;
    if ((await tx.listApprovals(prev.tenantId, prev.extensionId, prev.version)).length > 0) break;
    if (!authors.includes(prev.createdBy)) authors.push(prev.createdBy);
    base = prev.baseVersion;
  }
  return authors;
}
