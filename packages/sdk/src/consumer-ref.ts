/** A consumer id the runtime (and the registry's Pin) accepts: no whitespace, 1 to 248 characters. */
const ID = /^\S{1,248}$/;

/**
 * The consumer_ref a hook point sends for version pins: `process:<processId>`, `domain:<domain>/<point>`
 * or `agent:<agentId>`. Undefined for an id no pin can name (empty, whitespace, over 248 characters):
 * the invocation then goes without one rather than being refused.
 */
export function consumerRef(
  kind: "process" | "domain" | "agent",
  id: string | undefined,
): string | undefined {
  return id !== undefined && ID.test(id) ? `${kind}:${id}` : undefined;
}
