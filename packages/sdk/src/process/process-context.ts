import type { ExecutionContext } from "@ameide-ext/contract";
import { ExtensionError } from "@ameide-ext/contract";
import { agentContext, systemContext, userContext } from "../execution-context.js";

/** What a process engine knows of the instance that runs an Extension Task. */
export interface ProcessContext {
  /** The tenant the process runs for; required. */
  tenantId: string;
  /** The process instance (Camunda's processInstanceKey, Temporal's workflow id); required. */
  processInstanceId: string;
  orgId?: string | undefined;
  /** The user (or, with actorType "AGENT", the agent) the process acts for. None: the system. */
  userId?: string | undefined;
  /** USER, AGENT or SYSTEM. Default USER when there is a userId, SYSTEM otherwise. */
  actorType?: "USER" | "AGENT" | "SYSTEM" | undefined;
  sessionId?: string | undefined;
  /** dev / staging / prod. */
  env?: string | undefined;
  /** Default `${processInstanceId}/${taskId}`: the same for each retry of one task in one instance. */
  correlationId?: string | undefined;
  /** The end user's own token, when the process carries it (see InvokeOptions.userToken). */
  userToken?: string | undefined;
}

/** The ExecutionContext of one run of task `taskId`, built with the SDK's context builders. */
export function executionContextOf(process: ProcessContext, taskId: string): ExecutionContext {
  if (typeof process?.processInstanceId !== "string" || process.processInstanceId.trim() === "")
    throw new ExtensionError(
      "invalid_argument",
      `Extension Task "${taskId}": the process context has no processInstanceId; give the engine's instance id`,
      "invalid_input",
      { taskId, field: "processInstanceId" },
    );
  const base = {
    tenantId: process.tenantId,
    correlationId: process.correlationId ?? `${process.processInstanceId}/${taskId}`,
    ...(process.orgId === undefined ? {} : { orgId: process.orgId }),
    ...(process.sessionId === undefined ? {} : { sessionId: process.sessionId }),
    ...(process.env === undefined ? {} : { env: process.env }),
  };
  const actor = process.actorType ?? (process.userId ? "USER" : "SYSTEM");
  if (actor === "SYSTEM") return systemContext(base);
  if (!process.userId)
    throw new ExtensionError(
      "invalid_argument",
      `Extension Task "${taskId}": actorType ${actor} needs a userId`,
      "invalid_input",
      { taskId, field: "userId" },
    );
  return actor === "AGENT"
    ? agentContext({ ...base, agentId: process.userId })
    : userContext({ ...base, userId: process.userId });
}
