import {
  DOMAIN_NAME_PATTERN,
  ENVIRONMENTS,
  type EnvName,
  ERROR_DETAILS_HEADER,
  ExtensionError,
  fromConnectCode,
} from "@ameide-ext/contract";
import { Environment, ExtensionService } from "@ameide-ext/proto";
import { ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { TokenProvider } from "../runtime-client.js";
import type { DomainExtensionConfig, DomainExtensionConfigStore } from "./domain-config-store.js";

/** Default interval between two background reads of the bindings, in milliseconds. */
export const DEFAULT_BINDINGS_REFRESH_MS = 30_000;
/** Bounds of `refreshMs`: at most ten reads a second, at least one an hour. */
export const BINDINGS_REFRESH_BOUNDS = Object.freeze({ min: 100, max: 3_600_000 });
/** Default of `maxTenants`: the tenants whose bindings one store keeps. */
export const DEFAULT_BINDINGS_MAX_TENANTS = 10_000;
/**
 * The largest ListDomainBindings answer read over `baseUrl`, in bytes: 4 MiB, several times what a
 * tenant's 500 bindings can take (the registry's cap); a larger answer is refused
 * (`unavailable`, `details.cause` `resource_exhausted`) rather than held.
 */
export const BINDINGS_READ_MAX_BYTES = 4 * 1024 * 1024;
/** Default deadline of one ListDomainBindings call, in milliseconds. */
export const DEFAULT_BINDINGS_TIMEOUT_MS = 5_000;

/** A background refresh that failed: the tenant's last good bindings stay in force. */
export interface BindingsRefreshError {
  tenantId: string;
  error: ExtensionError;
  /** When the bindings in force were read, ms since the epoch. */
  lastLoadedAt: number;
}

/** Options of {@link createRegistryConfigStore}. */
export interface RegistryConfigStoreOptions {
  /** The registry's URL (Connect over HTTP/1.1), e.g. "http://extension-registry.transformation:8090". */
  baseUrl?: string | undefined;
  /** Or a Connect transport of your own (it wins over `baseUrl`). */
  transport?: Transport | undefined;
  /** The bearer token of the domain's service identity, sent on every call. Default: none. */
  token?: TokenProvider | undefined;
  /** The environment this domain runs in: its bindings are the ones read. */
  env: EnvName;
  /** Only this domain's bindings (smaller answers); default every domain of the tenant. */
  domain?: string | undefined;
  /** Interval between background reads, ms. Default {@link DEFAULT_BINDINGS_REFRESH_MS}, within {@link BINDINGS_REFRESH_BOUNDS}. */
  refreshMs?: number | undefined;
  /**
   * Tenants kept (and refreshed), at most; past it the least recently used is dropped and read again
   * on its next use, so a caller sending ever new tenant ids cannot grow the store or its refresh.
   * Default {@link DEFAULT_BINDINGS_MAX_TENANTS}; a positive integer.
   */
  maxTenants?: number | undefined;
  /** Deadline of one read, ms. Default {@link DEFAULT_BINDINGS_TIMEOUT_MS}. */
  timeoutMs?: number | undefined;
  /** Hears each failed background read. Default: one warning line on stderr. */
  onRefreshError?: ((event: BindingsRefreshError) => void) | undefined;
}

/** A {@link DomainExtensionConfigStore} over the Transformation registry's ListDomainBindings. */
export interface RegistryConfigStore extends DomainExtensionConfigStore {
  /**
   * The tenant's binding of `domain`/`point` in the store's environment. The first call for a tenant
   * reads its bindings (concurrent calls share the read); a failed first read throws `unavailable`
   * (`permission_denied` and `unauthenticated` keep their code: a retry would not help), and the next
   * call tries again. Later calls answer from memory, refreshed in the background every `refreshMs`.
   */
  get(tenantId: string, domain: string, point: string): Promise<DomainExtensionConfig | undefined>;
  /** Reads these tenants' bindings now, e.g. at start so the first command does not wait (throws as {@link get}). */
  load(tenantIds: readonly string[]): Promise<void>;
  /** Reads every loaded tenant's bindings again now (what the timer does); a failure keeps the last good ones. */
  refresh(): Promise<void>;
  /** Stops the background reads. */
  close(): void;
}

/** One tenant's bindings in force, by `domain/point`. */
interface TenantBindings {
  byPoint: Map<string, DomainExtensionConfig>;
  loadedAt: number;
}

const ENV_TO_PROTO: Record<EnvName, Environment> = {
  dev: Environment.DEV,
  staging: Environment.STAGING,
  prod: Environment.PROD,
};

/** The options with defaults filled in, checked once. */
function checkOptions(options: RegistryConfigStoreOptions) {
  if (!ENVIRONMENTS.includes(options.env))
    throw new ExtensionError(
      "invalid_argument",
      `env ${JSON.stringify(options.env)} is not dev, staging or prod`,
      "invalid_input",
    );
  if (!options.transport && !options.baseUrl)
    throw new ExtensionError(
      "invalid_argument",
      "createRegistryConfigStore needs baseUrl (the registry's URL) or transport",
      "invalid_input",
    );
  const refreshMs = options.refreshMs ?? DEFAULT_BINDINGS_REFRESH_MS;
  const { min, max } = BINDINGS_REFRESH_BOUNDS;
  if (!Number.isInteger(refreshMs) || refreshMs < min || refreshMs > max)
    throw new ExtensionError(
      "invalid_argument",
      `refreshMs is ${refreshMs}: an integer from ${min} to ${max}`,
      "invalid_input",
    );
  if (options.domain !== undefined && !DOMAIN_NAME_PATTERN.test(options.domain))
    throw new ExtensionError(
      "invalid_argument",
      `domain ${JSON.stringify(options.domain)} must be lowercase letters, digits and hyphens, e.g. "orders"`,
      "invalid_input",
    );
  const timeoutMs = options.timeoutMs ?? DEFAULT_BINDINGS_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new ExtensionError(
      "invalid_argument",
      `timeoutMs is ${timeoutMs}: a positive integer`,
      "invalid_input",
    );
  const maxTenants = options.maxTenants ?? DEFAULT_BINDINGS_MAX_TENANTS;
  if (!Number.isInteger(maxTenants) || maxTenants < 1)
    throw new ExtensionError(
      "invalid_argument",
      `maxTenants is ${maxTenants}: a positive integer`,
      "invalid_input",
    );
  return { refreshMs, timeoutMs, maxTenants };
}

/**
 * Why a read failed, as the store reports it: `permission_denied` and `unauthenticated` keep their
 * code (the domain's credentials are wrong: a retry would not help); anything else, the registry down
 * or a connection cut (Connect reports a broken socket as `internal`), is `unavailable`. The
 * registry's own code is in `details.cause`, its rule (when it named one) in `details.rule`.
 */
function readError(tenantId: string, where: string, cause: unknown): ExtensionError {
  const err = ConnectError.from(cause);
  const code = fromConnectCode(err.code);
  let details: Record<string, unknown> = {};
  try {
    details = JSON.parse(err.metadata.get(ERROR_DETAILS_HEADER) ?? "{}") as Record<string, unknown>;
  } catch {
    details = {};
  }
  const keep = code === "permission_denied" || code === "unauthenticated";
  return new ExtensionError(
    keep ? code : "unavailable",
    `the domain bindings of tenant ${tenantId} could not be read from the registry at ${where}: ${err.rawMessage}`,
    undefined,
    { ...details, cause: code },
  );
}

/**
 * Creates a {@link RegistryConfigStore}: the domain's bindings as the Transformation registry holds
 * them (SetDomainBinding, `ameide-ext bind`), for one environment, read per tenant on first use,
 * cached, and refreshed in the background every `refreshMs`. A failed refresh keeps the last good
 * bindings and says so to `onRefreshError`. Options are checked here (`invalid_argument`).
 */
export function createRegistryConfigStore(options: RegistryConfigStoreOptions): RegistryConfigStore {
  const { refreshMs, timeoutMs, maxTenants } = checkOptions(options);
  const where = options.baseUrl ?? "the given transport";
  const transport =
    options.transport ??
    createConnectTransport({
      baseUrl: options.baseUrl as string,
      httpVersion: "1.1",
      readMaxBytes: BINDINGS_READ_MAX_BYTES,
    });
  const client = createClient(ExtensionService, transport);
  const onRefreshError =
    options.onRefreshError ??
    ((e: BindingsRefreshError) =>
      console.warn(
        `domain bindings of ${e.tenantId}: the registry could not be read (${e.error.code}: ${e.error.message}); the bindings read at ${new Date(e.lastLoadedAt).toISOString()} stay in force`,
      ));
  const tenants = new Map<string, TenantBindings>();
  const firstLoads = new Map<string, Promise<TenantBindings>>();

  const read = async (tenantId: string): Promise<TenantBindings> => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${await options.token()}`;
    const res = await client
      .listDomainBindings(
        { tenantId, env: ENV_TO_PROTO[options.env], domain: options.domain ?? "" },
        { headers, timeoutMs },
      )
      .catch((cause: unknown) => {
        throw readError(tenantId, where, cause);
      });
    const byPoint = new Map<string, DomainExtensionConfig>();
    for (const b of res.bindings)
      byPoint.set(`${b.domain}/${b.extensionPoint}`, {
        extensionId: b.config?.extensionId ?? "",
        version: b.config?.version || "latest",
      });
    return { byPoint, loadedAt: Date.now() };
  };

  /** Keeps a first read, the most recently used last, dropping the least recently used past maxTenants. */
  const keep = (tenantId: string, bindings: TenantBindings): TenantBindings => {
    tenants.delete(tenantId);
    tenants.set(tenantId, bindings);
    for (const oldest of tenants.keys()) {
      if (tenants.size <= maxTenants) break;
      tenants.delete(oldest);
    }
    return bindings;
  };

  const loaded = (tenantId: string): Promise<TenantBindings> => {
    const known = tenants.get(tenantId);
    if (known) return Promise.resolve(keep(tenantId, known));
    let pending = firstLoads.get(tenantId);
    if (!pending) {
      pending = read(tenantId)
        .then((bindings) => keep(tenantId, bindings))
        .finally(() => firstLoads.delete(tenantId));
      firstLoads.set(tenantId, pending);
    }
    return pending;
  };

  let refreshing: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    refreshing ??= Promise.all(
      [...tenants.entries()].map(([tenantId, last]) =>
        read(tenantId).then(
          (bindings) => {
            // A tenant dropped while it was read stays dropped; one still held keeps its place.
            if (tenants.has(tenantId)) tenants.set(tenantId, bindings);
          },
          (cause: unknown) =>
            onRefreshError({ tenantId, error: ExtensionError.from(cause), lastLoadedAt: last.loadedAt }),
        ),
      ),
    ).then(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
  const timer = setInterval(() => void refresh(), refreshMs);
  timer.unref();

  return {
    async get(tenantId, domain, point) {
      const config = (await loaded(tenantId)).byPoint.get(`${domain}/${point}`);
      return config ? { ...config } : undefined;
    },
    async load(tenantIds) {
      await Promise.all(tenantIds.map(loaded));
    },
    refresh,
    close: () => clearInterval(timer),
  };
}
