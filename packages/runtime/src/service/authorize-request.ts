import { ExtensionError } from "@ameide-ext/contract";
import type { InvokeExtensionRequest } from "@ameide-ext/proto";
import type { CallerIdentity } from "./caller-authenticator.js";

/**
 * Checks a request's ExecutionContext against the proven caller, and returns
 * the request the runtime may run (host-call tokens are minted from its
 * context, so it must hold only what was proven):
 * - the context's tenant must be one the principal may act for
 *   (`permission_denied/tenant_not_allowed`);
 * - with an end user's token, the context's tenant must be the user's and its
 *   user, when set, the token's `sub` (`permission_denied/context_mismatch`);
 *   an empty user is filled in from the token.
 * A missing tenant is left for contextOfRequest to refuse as invalid input.
 * The same for InvokeExtensionBatch: one context for every input.
 */
export function authorizeRequest<R extends Pick<InvokeExtensionRequest, "ctx">>(
  identity: CallerIdentity,
  req: R,
): R {
  const ctx = req.ctx;
  if (!ctx || ctx.tenantId === "") return req;
  const { principal, user } = identity;
  if (principal.tenants !== "*" && !principal.tenants.has(ctx.tenantId))
    throw new ExtensionError(
      "permission_denied",
      `caller ${JSON.stringify(principal.name)} may not act for tenant ${JSON.stringify(ctx.tenantId)}; it may act for ${JSON.stringify([...principal.tenants])}`,
      "tenant_not_allowed",
      { tenantId: ctx.tenantId, principal: principal.name },
    );
  if (!user) return req;
  if (ctx.tenantId !== user.tenantId)
    throw new ExtensionError(
      "permission_denied",
      `ctx.tenant_id is ${JSON.stringify(ctx.tenantId)}, the user token's tenant is ${JSON.stringify(user.tenantId)}`,
      "context_mismatch",
      { field: "ctx.tenant_id" },
    );
  if (ctx.userId !== "" && ctx.userId !== user.userId)
    throw new ExtensionError(
      "permission_denied",
      `ctx.user_id is ${JSON.stringify(ctx.userId)}, the user token's subject is ${JSON.stringify(user.userId)}`,
      "context_mismatch",
      { field: "ctx.user_id" },
    );
  return { ...req, ctx: { ...ctx, userId: user.userId } };
}
