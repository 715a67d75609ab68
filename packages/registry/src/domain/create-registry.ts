import { createAuthoring } from "./authoring.js";
import { settlesWithin } from "./cancelable-compile.js";
import { createDeployments } from "./deployments.js";
import { createDomainBindings } from "./domain-bindings.js";
import { createKillSwitch } from "./kill-switch.js";
import { createPromotion } from "./promotion.js";
import { createQueries } from "./queries.js";
import type { Registry, RegistryOptions } from "./registry.js";
import { createRegistryContext } from "./registry-context.js";
import { createReplayReports } from "./replay-reports.js";
import { createSloRollback } from "./slo-rollback.js";

// The compile worker (compile/) still imports its types from here.
export type { CompileOutcome, Compiler } from "./registry.js";

/** After a drain cancels compiles, how long it waits for their records to be written, in milliseconds. */
export const CANCEL_WRITE_MS = 1000;

/**
 * Creates the registry's domain over a store. Settings are checked here, once. It composes five
 * parts over one shared context (registry-context.ts): authoring (drafts, uploads, compiles),
 * promotion (requests, approvals, rejections under the governance rules), deployments (rollback, pins;
 * the catalog listener hears of each change), domain bindings (which extension a tenant's domain
 * extension points run), the kill switch (disable, enable), the SLO rollback runtimes ask for, and queries.
 */
export function createRegistry(options: RegistryOptions): Registry {
  const ctx = createRegistryContext(options);
  return {
    ...createAuthoring(ctx),
    ...createPromotion(ctx),
    ...createDeployments(ctx),
    ...createDomainBindings(ctx),
    ...createKillSwitch(ctx),
    ...createSloRollback(ctx),
    ...createReplayReports(ctx),
    ...createQueries(ctx),
    idle: ctx.idle,
    async drain(graceMs) {
      if (await settlesWithin(ctx.idle(), graceMs)) return true;
      ctx.shutdown.abort();
      await settlesWithin(ctx.idle(), CANCEL_WRITE_MS);
      return false;
    },
  };
}
