import type { Registry } from "./registry.js";
import type { RegistryContext } from "./registry-context.js";

// Queries: the read-only RPCs (GetExtension, ListVersions, ListEvents). Each reads in one transaction
// and changes nothing.

/** The most pending promotions listPending returns. */
export const MAX_PENDING_LISTED = 200;

/** A page's size: default 50, at most 500. */
function pageSize(n: number | undefined): number {
  if (!n) return 50;
  return Math.min(n, 500);
}

/** The query RPCs: get, listVersions, listEvents. */
export function createQueries(
  ctx: RegistryContext,
): Pick<Registry, "get" | "listVersions" | "listEvents" | "listPending"> {
  const { store } = ctx;
  return {
    async get(caller, key) {
      ctx.checkTenant(caller, key.tenantId);
      return store.transaction(async (tx) => {
        const extension = await ctx.extensionView(tx, key.tenantId, key.extensionId);
        const rev = await ctx.loadRevision(tx, {
          tenantId: key.tenantId,
          extensionId: key.extensionId,
          version: key.version || extension.latestVersion,
        });
        return { extension, revision: await ctx.view(tx, rev) };
      });
    },

    async listVersions(caller, key) {
      ctx.checkTenant(caller, key.tenantId);
      const limit = pageSize(key.pageSize);
      return store.transaction(async (tx) => {
        await ctx.extensionView(tx, key.tenantId, key.extensionId);
        const before = key.pageToken ? Number(key.pageToken) : undefined;
        const revs = await tx.listRevisions(key.tenantId, key.extensionId, {
          limit: limit + 1,
          beforeVersion: before,
        });
        const page = revs.slice(0, limit);
        const views = await Promise.all(page.map((r) => ctx.view(tx, r, false)));
        return { revisions: views, nextPageToken: revs.length > limit ? (page.at(-1)?.version ?? "") : "" };
      });
    },

    async listPending(caller, input) {
      ctx.checkTenant(caller, input.tenantId);
      return store.transaction(async (tx) => {
        const revs = await tx.listPendingRevisions(input.tenantId, MAX_PENDING_LISTED);
        return Promise.all(revs.map((r) => ctx.view(tx, r, false)));
      });
    },

    async listEvents(caller, input) {
      ctx.checkTenant(caller, input.tenantId);
      const limit = pageSize(input.pageSize);
      return store.transaction(async (tx) => {
        await ctx.extensionView(tx, input.tenantId, input.extensionId);
        const events = await tx.listEvents(input.tenantId, input.extensionId, {
          version: input.version,
          afterSeq: input.pageToken ? Number(input.pageToken) : 0,
          limit: limit + 1,
        });
        const page = events.slice(0, limit);
        return { events: page, nextPageToken: events.length > limit ? String(page.at(-1)?.seq ?? "") : "" };
      });
    },
  };
}
