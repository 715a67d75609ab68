import { DOMAIN_NAME_PATTERN, EXTENSION_POINT_NAME_PATTERN, ExtensionError } from "@ameide-ext/contract";
import type { DomainBinding } from "@ameide-ext/proto";
import { Environment } from "@ameide-ext/proto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { CliDeps } from "../deps.js";
import { createRegistryClient, type RegistryClient } from "./registry-client.js";
import { checkEnvName, type EnvName, envName, envToProto } from "./registry-names.js";
import { type RegistryFlags, resolveRegistrySettings } from "./registry-settings.js";

// `ameide-ext bind` and `ameide-ext bindings`: the registry's domain bindings (SetDomainBinding,
// ClearDomainBinding, ListDomainBindings; docs/registry.md, "Domain bindings").

/** One binding as the CLI prints it. */
export interface BindingSummary {
  env: EnvName | "";
  domain: string;
  point: string;
  extension: string;
  /** An exact version, or "latest". */
  version: string;
  updatedBy: string;
  /** ISO 8601, or "" when unknown. */
  updatedAt: string;
}

/** `<domain>/<point>` split and checked: `orders/BeforeCreateOrder`. */
export function parsePointRef(ref: string): { domain: string; point: string } {
  const [domain = "", point = "", ...rest] = ref.split("/");
  if (rest.length > 0 || !DOMAIN_NAME_PATTERN.test(domain) || !EXTENSION_POINT_NAME_PATTERN.test(point))
    throw new ExtensionError(
      "invalid_argument",
      `${JSON.stringify(ref)} is not <domain>/<point>: a domain is lowercase letters, digits and hyphens, a point a letter then letters and digits, e.g. orders/BeforeCreateOrder`,
    );
  return { domain, point };
}

function summaryOf(b: DomainBinding | undefined): BindingSummary {
  return {
    env: envName(b?.env ?? Environment.UNSPECIFIED),
    domain: b?.domain ?? "",
    point: b?.extensionPoint ?? "",
    extension: b?.config?.extensionId ?? "",
    version: b?.config?.version ?? "",
    updatedBy: b?.updatedBy ?? "",
    updatedAt: b?.updatedAt ? timestampDate(b.updatedAt).toISOString() : "",
  };
}

/** What the three functions share: the registry, the tenant and the environment. */
interface BindingCallOptions extends RegistryFlags {
  /** The client; default one for the resolved settings. */
  client?: RegistryClient | undefined;
}

async function connect(options: BindingCallOptions, deps: CliDeps) {
  const settings = await resolveRegistrySettings(options, deps);
  return { tenant: settings.tenant, client: options.client ?? createRegistryClient(settings) };
}

/** Options of {@link bindDomainPoint}. */
export interface BindDomainPointOptions extends BindingCallOptions {
  /** `<domain>/<point>`, e.g. "orders/BeforeCreateOrder". */
  point: string;
  extension: string;
  /** An exact version promoted to `env`; default "latest" (the version active there). */
  version?: string | undefined;
  env: string;
  /** Why, for the audit log. */
  comment?: string | undefined;
}

/** The result of {@link bindDomainPoint} and {@link clearDomainPoint}. */
export interface BindResult extends BindingSummary {
  ok: true;
  tenant: string;
  /** True for `bind --clear`: the binding shown is the one removed. */
  cleared: boolean;
}

/**
 * `ameide-ext bind <domain>/<point> <extension>`: binds the tenant's point in one environment to a
 * version promoted there, or to "latest". The registry records DOMAIN_BOUND (and DOMAIN_UNBOUND on
 * an extension it replaces); the domain's SDK store sees it at its next refresh.
 */
export async function bindDomainPoint(options: BindDomainPointOptions, deps: CliDeps): Promise<BindResult> {
  const { domain, point } = parsePointRef(options.point);
  const env = checkEnvName(options.env);
  const { tenant, client } = await connect(options, deps);
  const res = await client.setDomainBinding({
    tenantId: tenant,
    env: envToProto(env),
    domain,
    extensionPoint: point,
    extensionId: options.extension,
    version: options.version ?? "",
    comment: options.comment ?? "",
  });
  return { ok: true, tenant, cleared: false, ...summaryOf(res.binding) };
}

/** Options of {@link clearDomainPoint}. */
export interface ClearDomainPointOptions extends BindingCallOptions {
  point: string;
  env: string;
  comment?: string | undefined;
}

/** `ameide-ext bind --clear <domain>/<point>`: removes the binding; the domain then runs no extension there. */
export async function clearDomainPoint(options: ClearDomainPointOptions, deps: CliDeps): Promise<BindResult> {
  const { domain, point } = parsePointRef(options.point);
  const env = checkEnvName(options.env);
  const { tenant, client } = await connect(options, deps);
  const res = await client.clearDomainBinding({
    tenantId: tenant,
    env: envToProto(env),
    domain,
    extensionPoint: point,
    comment: options.comment ?? "",
  });
  return { ok: true, tenant, cleared: true, ...summaryOf(res.binding) };
}

/** Options of {@link listDomainBindings}. */
export interface ListDomainBindingsOptions extends BindingCallOptions {
  /** Only this environment; default all. */
  env?: string | undefined;
  /** Only this domain; default all. */
  domain?: string | undefined;
}

/** The result of {@link listDomainBindings}. */
export interface ListDomainBindingsResult {
  ok: true;
  tenant: string;
  bindings: BindingSummary[];
}

/** `ameide-ext bindings`: the tenant's bindings by environment, domain and point. */
export async function listDomainBindings(
  options: ListDomainBindingsOptions,
  deps: CliDeps,
): Promise<ListDomainBindingsResult> {
  const env = options.env === undefined ? undefined : checkEnvName(options.env);
  if (options.domain !== undefined && !DOMAIN_NAME_PATTERN.test(options.domain))
    throw new ExtensionError(
      "invalid_argument",
      `--domain is ${JSON.stringify(options.domain)}: lowercase letters, digits and hyphens, e.g. orders`,
    );
  const { tenant, client } = await connect(options, deps);
  const res = await client.listDomainBindings({
    tenantId: tenant,
    env: env === undefined ? Environment.UNSPECIFIED : envToProto(env),
    domain: options.domain ?? "",
  });
  return { ok: true, tenant, bindings: res.bindings.map(summaryOf) };
}
