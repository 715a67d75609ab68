import { DOMAIN_NAME_PATTERN, EXTENSION_POINT_NAME_PATTERN, ExtensionError } from "@ameide-ext/contract";
import type { RegistryTx } from "../store/registry-store.js";
import { checkAgentInDev, ranIn } from "./deployments.js";
import { RULES, refuse } from "./governance.js";
import type { Caller, DomainPointKey, Registry } from "./registry.js";
import { checkEnv, notFound, type RegistryContext } from "./registry-context.js";
import { type DomainBindingRecord, ENVIRONMENTS, type RevisionRecord } from "./types.js";

// Domain bindings (spec 479 §4.2): which extension each extension point of a tenant's Domain primitive
// runs, per environment: the DomainExtensionConfig the Transformation Domain primitive manages. A binding
// changes no catalog (the runtime already serves every version promoted to the environment); the domain
// reads the bindings (the SDK's createRegistryConfigStore) and names the version when it invokes.

/** A version a binding names: an exact one ("3"), or "latest". */
const VERSION_PATTERN = /^(latest|[1-9][0-9]{0,8})$/;

/**
 * The longest comment a binding keeps, in characters: it is stored with the binding and in each
 * DOMAIN_BOUND/UNBOUND event, which ListEvents returns; a request could otherwise carry 32 MiB of it.
 */
export const MAX_BINDING_COMMENT_CHARS = 1_000;
/**
 * The most points one tenant may bind in one environment (extension point names are free-form): every
 * domain's config store reads all of a tenant's bindings back on each refresh.
 */
export const MAX_DOMAIN_BINDINGS_PER_ENV = 500;

/** SetDomainBinding's request. */
type SetInput = Parameters<Registry["setDomainBinding"]>[1];

/** `domain` as a domain's name, or `invalid_argument` quoting it. */
export function checkDomain(domain: string): string {
  if (!DOMAIN_NAME_PATTERN.test(domain))
    throw new ExtensionError(
      "invalid_argument",
      `domain ${JSON.stringify(domain)} must be lowercase letters, digits and hyphens (at most 63), e.g. "orders"`,
    );
  return domain;
}

/** `point` as an extension point's name, or `invalid_argument` quoting it. */
export function checkExtensionPoint(point: string): string {
  if (!EXTENSION_POINT_NAME_PATTERN.test(point))
    throw new ExtensionError(
      "invalid_argument",
      `extension_point ${JSON.stringify(point)} must be a letter, then letters and digits (at most 128), e.g. "BeforeCreateOrder"`,
    );
  return point;
}

/** `comment` (default ""), or `invalid_argument` when it is over {@link MAX_BINDING_COMMENT_CHARS}. */
function checkComment(comment: string | undefined): string {
  const text = comment ?? "";
  if (text.length > MAX_BINDING_COMMENT_CHARS)
    throw new ExtensionError(
      "invalid_argument",
      `the comment is ${text.length} characters, the limit is ${MAX_BINDING_COMMENT_CHARS}; say it shorter`,
      "invalid_input",
      { field: "comment", limit: MAX_BINDING_COMMENT_CHARS, actual: text.length },
    );
  return text;
}

/** Refuses a new point when the tenant already binds {@link MAX_DOMAIN_BINDINGS_PER_ENV} in the env. */
async function checkRoomFor(tx: RegistryTx, key: DomainPointKey): Promise<void> {
  const bound = await tx.listDomainBindings(key.tenantId, { env: key.env });
  const isNew = !bound.some((b) => b.domain === key.domain && b.extensionPoint === key.extensionPoint);
  if (isNew && bound.length >= MAX_DOMAIN_BINDINGS_PER_ENV)
    throw new ExtensionError(
      "resource_exhausted",
      `tenant ${key.tenantId} binds ${bound.length} extension points in ${key.env}, the limit is ${MAX_DOMAIN_BINDINGS_PER_ENV}; clear the ones no domain declares`,
      undefined,
      { limit: MAX_DOMAIN_BINDINGS_PER_ENV, actual: bound.length },
    );
}

/** The point's key with each part checked, and the caller allowed to act for its tenant. */
function checkPoint(ctx: RegistryContext, caller: Caller, input: DomainPointKey): DomainPointKey {
  ctx.checkTenant(caller, input.tenantId);
  return {
    tenantId: input.tenantId,
    env: checkEnv(input.env),
    domain: checkDomain(input.domain),
    extensionPoint: checkExtensionPoint(input.extensionPoint),
  };
}

/** The consumer_ref of a point's events: `domain:<domain>/<point>` (the same a Pin names). */
export function consumerRefOf(key: Pick<DomainPointKey, "domain" | "extensionPoint">): string {
  return `domain:${key.domain}/${key.extensionPoint}`;
}

/**
 * The revision a binding of `version` would run in `env` now: the exact version, promoted there; or, for
 * "latest", the active one. Refuses with `failed_precondition` (`not_promoted_to_env`) otherwise.
 */
async function boundRevision(
  ctx: RegistryContext,
  tx: RegistryTx,
  key: DomainPointKey & { extensionId: string },
  version: string,
): Promise<RevisionRecord> {
  const ext = { tenantId: key.tenantId, extensionId: key.extensionId };
  if (version === "latest") {
    const active = (await tx.listDeployments(ext.tenantId, ext.extensionId)).find((d) => d.env === key.env);
    if (!active)
      throw refuse(
        "failed_precondition",
        RULES.notPromotedToEnv,
        `${key.extensionId} runs nowhere in ${key.env}: promote a version there first, then bind "latest"`,
      );
    return ctx.loadRevision(tx, { ...ext, version: active.activeVersion });
  }
  if (!(await ranIn(tx, key.env, { ...ext, version })))
    throw refuse(
      "failed_precondition",
      RULES.notPromotedToEnv,
      `version ${version} of ${key.extensionId} was never promoted to ${key.env}: bind a version promoted there, or "latest"`,
      { version },
    );
  return ctx.loadRevision(tx, { ...ext, version });
}

/** SetDomainBinding: binds (or rebinds) the point; DOMAIN_UNBOUND on another extension it replaces. */
async function setDomainBinding(
  ctx: RegistryContext,
  caller: Caller,
  input: SetInput,
): Promise<DomainBindingRecord> {
  const key = checkPoint(ctx, caller, input);
  checkAgentInDev(caller, key.env, "bind");
  const version = input.version || "latest";
  if (!VERSION_PATTERN.test(version))
    throw new ExtensionError(
      "invalid_argument",
      `version ${JSON.stringify(version)} must be an exact version such as "3", or "latest"`,
    );
  if (input.extensionId === "") throw new ExtensionError("invalid_argument", "extension_id is required");
  const comment = checkComment(input.comment);
  return ctx.write(async (tx) => {
    await ctx.extensionView(tx, key.tenantId, input.extensionId);
    await checkRoomFor(tx, key);
    const rev = await boundRevision(ctx, tx, { ...key, extensionId: input.extensionId }, version);
    if (rev.kind !== "domain_hook")
      throw new ExtensionError(
        "invalid_argument",
        `${input.extensionId} is a ${rev.kind}: a domain extension point runs a domain_hook`,
      );
    const binding: DomainBindingRecord = {
      ...key,
      extensionId: input.extensionId,
      version,
      updatedBy: caller.actor,
      updatedAt: ctx.now().toISOString(),
      comment,
    };
    const previous = await tx.replaceDomainBinding(binding);
    const recorded = {
      actor: caller.actor,
      env: key.env,
      consumerRef: consumerRefOf(key),
      comment: binding.comment,
    };
    if (previous && previous.extensionId !== binding.extensionId)
      await ctx.event(tx, previous, { type: "domain_unbound", ...recorded });
    await ctx.event(tx, binding, { type: "domain_bound", ...recorded });
    return binding;
  });
}

/** ClearDomainBinding: removes the point's binding; DOMAIN_UNBOUND on the extension it named. */
async function clearDomainBinding(
  ctx: RegistryContext,
  caller: Caller,
  input: DomainPointKey & { comment?: string },
): Promise<DomainBindingRecord> {
  const key = checkPoint(ctx, caller, input);
  checkAgentInDev(caller, key.env, "bind");
  const comment = checkComment(input.comment);
  return ctx.write(async (tx) => {
    const previous = await tx.deleteDomainBinding(key);
    if (!previous) throw notFound(`a binding of ${consumerRefOf(key)} in ${key.env}`);
    await ctx.event(tx, previous, {
      type: "domain_unbound",
      actor: caller.actor,
      env: key.env,
      consumerRef: consumerRefOf(key),
      comment,
    });
    return previous;
  });
}

/** The domain binding RPCs: SetDomainBinding, ListDomainBindings, ClearDomainBinding. */
export function createDomainBindings(
  ctx: RegistryContext,
): Pick<Registry, "setDomainBinding" | "listDomainBindings" | "clearDomainBinding"> {
  return {
    setDomainBinding: (caller, input) => setDomainBinding(ctx, caller, input),
    clearDomainBinding: (caller, input) => clearDomainBinding(ctx, caller, input),
    async listDomainBindings(caller, input) {
      ctx.checkTenant(caller, input.tenantId);
      const filter = {
        env: input.env === undefined ? undefined : checkEnv(input.env),
        domain: input.domain ? checkDomain(input.domain) : undefined,
      };
      const rows = await ctx.store.transaction((tx) => tx.listDomainBindings(input.tenantId, filter));
      // dev, staging, prod: the order of promotion, not of the alphabet.
      const rank = (b: DomainBindingRecord) => ENVIRONMENTS.indexOf(b.env);
      return rows.sort((a, b) => rank(a) - rank(b));
    },
  };
}
