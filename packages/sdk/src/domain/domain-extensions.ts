import { type ExecutionContext, ExtensionError } from "@ameide-ext/contract";
import { consumerRef } from "../consumer-ref.js";
import type { RuntimeClient } from "../runtime-client.js";
import type { DomainExtensionConfig, DomainExtensionConfigStore } from "./domain-config-store.js";
import type { ExtensionPoint } from "./extension-points.js";
import { type HookAnswer, readHookAnswer, type ValidationMessage } from "./hook-answer.js";

/** A command the tenant's `before` hook refused: its messages say why. Code `failed_precondition`. */
export class DomainVetoError extends ExtensionError {
  constructor(
    readonly point: string,
    readonly validationMessages: ValidationMessage[],
  ) {
    const why = validationMessages.map((m) => m.message).join("; ") || "no reason given";
    super("failed_precondition", `${point}: the tenant's extension refused the command: ${why}`, undefined, {
      point,
      validationMessages,
    });
  }
}

/** A hook that could not answer, and the command went on (`fail_open`). */
export interface FailOpenEvent {
  domain: string;
  point: string;
  extensionId: string;
  error: ExtensionError;
}

/** Options of {@link createDomainExtensions}. */
export interface DomainExtensionsOptions {
  client: RuntimeClient;
  /** The domain's name, as bindings name it: "orders". */
  domain: string;
  /** The tenants' bindings. */
  configs: DomainExtensionConfigStore;
  /** Hears each hook failure a `fail_open` point let through. Default: one warning line on stderr. */
  onFailOpen?: ((event: FailOpenEvent) => void) | undefined;
}

/** What {@link DomainExtensions.around} returns: the command's result, with the hooks' messages. */
export interface AroundResult<R> {
  result: R;
  /** The messages of the hooks that ran (warnings a `before` hook let through, an `after` hook's notes). */
  messages: ValidationMessage[];
}

/** A domain's extension points, ready to wrap its commands. */
export interface DomainExtensions {
  /**
   * Chain of Command around one command: the `before` hook sees the command
   * (JSON) and may veto it ({@link DomainVetoError}) or add derived fields,
   * merged into it before `next` runs; the `after` hook sees the command and
   * `next`'s result and may add messages and derived fields to the result. No
   * binding for the tenant: `next` runs untouched, with no RPC.
   */
  around<C extends Record<string, unknown>, R extends Record<string, unknown>>(
    point: ExtensionPoint,
    ctx: ExecutionContext,
    command: C,
    next: (command: C) => Promise<R>,
  ): Promise<AroundResult<R>>;
  /** Hook failures `fail_open` points let through so far. */
  readonly failedOpen: number;
}

/** Creates the {@link DomainExtensions} of one domain. */
export function createDomainExtensions(options: DomainExtensionsOptions): DomainExtensions {
  let failedOpen = 0;
  const onFailOpen =
    options.onFailOpen ??
    ((e: FailOpenEvent) =>
      console.warn(
        `${e.domain}/${e.point}: ${e.extensionId} failed, the command went on (fail_open): ${e.error.message}`,
      ));

  /** The hook's answer, or undefined when it failed and the point lets the command go on. */
  const ask = async (
    point: ExtensionPoint,
    ctx: ExecutionContext,
    config: DomainExtensionConfig,
    input: unknown,
  ) => {
    try {
      return await callHook(options.client, options.domain, point, ctx, config, input);
    } catch (cause) {
      const error = ExtensionError.from(cause);
      if (error instanceof DomainVetoError || point.failure === "fail_closed")
        throw refusal(point, config, error);
      failedOpen++;
      onFailOpen({ domain: options.domain, point: point.name, extensionId: config.extensionId, error });
      return undefined;
    }
  };

  /**
   * The tenant's binding of the point. Bindings that cannot be read follow the point's policy: fail_closed
   * refuses the command (it cannot tell whether a hook must run), fail_open lets it go on unextended.
   */
  const bindingOf = async (point: ExtensionPoint, ctx: ExecutionContext) => {
    try {
      return await options.configs.get(ctx.tenantId, options.domain, point.name);
    } catch (cause) {
      const error = ExtensionError.from(cause);
      const unknown = { extensionId: "" };
      if (point.failure === "fail_closed")
        throw refusal(point, unknown, error, "its binding could not be read");
      failedOpen++;
      onFailOpen({ domain: options.domain, point: point.name, extensionId: "", error });
      return undefined;
    }
  };

  return {
    async around(point, ctx, command, next) {
      const config = await bindingOf(point, ctx);
      if (!config) return { result: await next(command), messages: [] };
      if (point.kind === "before") {
        const answer = await ask(point, ctx, config, command);
        if (answer && !answer.ok) throw new DomainVetoError(point.name, answer.validationMessages);
        const result = await next(answer ? { ...command, ...answer.derivedFields } : command);
        return { result, messages: answer?.validationMessages ?? [] };
      }
      const result = await next(command);
      const answer = await ask(point, ctx, config, { command, result });
      if (!answer) return { result, messages: [] };
      return { result: { ...result, ...answer.derivedFields }, messages: answer.validationMessages };
    },
    get failedOpen() {
      return failedOpen;
    },
  };
}

/** Invokes the bound extension within the point's deadline and reads its answer; a business error is a veto. */
async function callHook(
  client: RuntimeClient,
  domain: string,
  point: ExtensionPoint,
  ctx: ExecutionContext,
  config: DomainExtensionConfig,
  input: unknown,
): Promise<HookAnswer> {
  const r = await client.invoke({
    extensionId: config.extensionId,
    version: config.version,
    ctx,
    input,
    timeoutMs: point.deadlineMs,
    hookPoint: point.name,
    // The registry pins a domain extension point as domain:<domain>/<point>.
    consumerRef: consumerRef("domain", `${domain}/${point.name}`),
  });
  if (r.outcome === "business_error") {
    const { code, message } = r.businessError;
    if (point.kind === "before")
      throw new DomainVetoError(point.name, [{ code, message, severity: "error" }]);
    return { ok: true, validationMessages: [{ code, message, severity: "error" }], derivedFields: {} };
  }
  return readHookAnswer(r.output, point.name);
}

/** The coded error a `fail_closed` point refuses its command with (a veto passes through as it is). */
function refusal(
  point: ExtensionPoint,
  config: DomainExtensionConfig,
  error: ExtensionError,
  why = `the tenant's extension ${config.extensionId} could not answer`,
): ExtensionError {
  if (error instanceof DomainVetoError) return error;
  return new ExtensionError(
    error.code,
    `${point.name}: the command is refused (fail_closed): ${why}: ${error.message}`,
    error.reason,
    { point: point.name, extensionId: config.extensionId, failure: point.failure },
  );
}
