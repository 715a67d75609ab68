import { ExtensionError } from "@ameide-ext/contract";
import type { InvokeExtensionRequest } from "@ameide-ext/proto";
import type { ExecutionContext } from "../engine/types.js";

/** The actor types of spec 479 §3.2. */
export const ACTOR_TYPES: ReadonlySet<string> = new Set(["USER", "AGENT", "SYSTEM"]);

/**
 * The request's ExecutionContext, checked (`invalid_argument/invalid_input`):
 * a tenant is required, `actor_type` when set is USER, AGENT or SYSTEM, and
 * `env` when set is the one this runtime serves (`servedEnv`, when known).
 */
export function contextOfRequest(
  req: Pick<InvokeExtensionRequest, "ctx">,
  servedEnv: string | undefined,
): ExecutionContext {
  const c = req.ctx;
  if (!c || c.tenantId === "")
    throw new ExtensionError("invalid_argument", "ctx.tenant_id is required", "invalid_input", {
      field: "ctx.tenant_id",
    });
  if (c.actorType !== "" && !ACTOR_TYPES.has(c.actorType))
    throw new ExtensionError(
      "invalid_argument",
      `ctx.actor_type is ${JSON.stringify(c.actorType)}, it must be USER, AGENT or SYSTEM`,
      "invalid_input",
      { field: "ctx.actor_type" },
    );
  if (c.env !== "" && servedEnv !== undefined && c.env !== servedEnv)
    throw new ExtensionError(
      "invalid_argument",
      `ctx.env is ${JSON.stringify(c.env)}, this runtime serves ${JSON.stringify(servedEnv)}`,
      "invalid_input",
      { field: "ctx.env" },
    );
  return {
    tenantId: c.tenantId,
    orgId: c.orgId,
    userId: c.userId,
    actorType: c.actorType,
    sessionId: c.sessionId,
    correlationId: c.correlationId,
    env: c.env,
    riskTier: c.riskTier,
  };
}
