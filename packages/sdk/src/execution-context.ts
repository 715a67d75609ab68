import type { ExecutionContext } from "@ameide-ext/contract";
import { ExtensionError } from "@ameide-ext/contract";

/** Fields every context builder accepts besides the actor. */
export interface ContextBase {
  /** The tenant; required, never empty. */
  tenantId: string;
  orgId?: string;
  sessionId?: string;
  /** Ties the invocation to the business flow that caused it. */
  correlationId?: string;
  /** dev / staging / prod. */
  env?: string;
}

function check(base: ContextBase): void {
  if (typeof base.tenantId !== "string" || base.tenantId.trim() === "") {
    throw new ExtensionError("invalid_argument", "an ExecutionContext needs a tenantId", "invalid_input", {
      field: "tenantId",
    });
  }
}

/** The context of a human user acting through a primitive. */
export function userContext(base: ContextBase & { userId: string }): ExecutionContext {
  check(base);
  return { ...base, actorType: "USER" };
}

/** The context of an agent (`userId` is the agent's id). */
export function agentContext(base: ContextBase & { agentId: string }): ExecutionContext {
  check(base);
  const { agentId, ...rest } = base;
  return { ...rest, userId: agentId, actorType: "AGENT" };
}

/** The context of the platform itself (`userId` "system"). */
export function systemContext(base: ContextBase): ExecutionContext {
  check(base);
  return { ...base, userId: "system", actorType: "SYSTEM" };
}
