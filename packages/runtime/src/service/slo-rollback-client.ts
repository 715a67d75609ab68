import { ExtensionError } from "@ameide-ext/contract";
import { Environment, ExtensionService } from "@ameide-ext/proto";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { SloRollbackRequester } from "./slo-guard.js";

/** Options of {@link createSloRollbackClient}. */
export interface SloRollbackClientOptions {
  /** The registry's base URL, e.g. "http://registry.ameide-dev:8090". */
  url: string;
  /** The runtime's service credential: a registry token whose identity is `service:<id>`. */
  token: string;
  /** How long one call may take, in milliseconds. Default 5,000. */
  timeoutMs?: number | undefined;
}

const ENVIRONMENTS: Record<string, Environment> = {
  dev: Environment.DEV,
  staging: Environment.STAGING,
  prod: Environment.PROD,
};

/**
 * The runtime's side of auto-rollback: reports a fast burn to the registry's
 * `ExtensionService.RollbackOnSlo` with the runtime's service credential. The
 * registry rolls the environment back when the burning version is still the
 * active one there, and records an event naming the SLO.
 */
export function createSloRollbackClient(options: SloRollbackClientOptions): SloRollbackRequester {
  if (!/^https?:\/\/\S+$/.test(options.url))
    throw new ExtensionError(
      "invalid_argument",
      `the registry URL ${JSON.stringify(options.url)} must be http(s)://…`,
    );
  if (options.token.length < 16)
    throw new ExtensionError(
      "invalid_argument",
      `the registry token is ${options.token.length} characters, at least 16 are needed`,
    );
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${options.token}`);
    return next(req);
  };
  const client = createClient(
    ExtensionService,
    createConnectTransport({ baseUrl: options.url, httpVersion: "1.1", interceptors: [auth] }),
  );
  return async (report) => {
    const env = ENVIRONMENTS[report.env];
    if (env === undefined)
      throw new ExtensionError(
        "failed_precondition",
        `the catalog's env ${JSON.stringify(report.env)} is not dev, staging or prod`,
      );
    await client.rollbackOnSlo(
      {
        tenantId: report.entry.tenantId,
        extensionId: report.entry.extensionId,
        env,
        version: report.entry.version,
        slo: report.slo,
        burnRate: report.rates.fast_long,
      },
      { timeoutMs: options.timeoutMs ?? 5_000 },
    );
  };
}
