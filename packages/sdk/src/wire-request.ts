import { type ExecutionContext, ExtensionError } from "@ameide-ext/contract";
import type { ExecutionContextSchema } from "@ameide-ext/proto";
import type { MessageInitShape } from "@bufbuild/protobuf";

const encoder = new TextEncoder();

/** An input as the wire carries it: JSON.stringify'd, unless it is a string or bytes, which are sent as they are. */
export function inputBytes(input: unknown): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input === "string") return encoder.encode(input);
  const text = JSON.stringify(input);
  if (text === undefined)
    throw new ExtensionError("invalid_argument", "input cannot be serialized as JSON", "invalid_input");
  return encoder.encode(text);
}

/** The ExecutionContext as the wire carries it: every field a string, empty when unset. */
export function wireContext(ctx: ExecutionContext): MessageInitShape<typeof ExecutionContextSchema> {
  return {
    tenantId: ctx.tenantId,
    orgId: ctx.orgId ?? "",
    userId: ctx.userId ?? "",
    actorType: ctx.actorType ?? "",
    sessionId: ctx.sessionId ?? "",
    correlationId: ctx.correlationId ?? "",
    env: ctx.env ?? "",
    riskTier: ctx.riskTier ?? "",
  };
}
