import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ExtensionError } from "@ameide-ext/contract";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { type Logger, pino } from "pino";
import { type CatalogPublisher, createCatalogPublisher } from "../catalog/create-catalog-publisher.js";
import { createCompileWorker } from "../compile/create-compile-worker.js";
import { createFolderModuleWriter } from "../compile/module-writer.js";
import { createS3ModuleWriter } from "../compile/s3-module-writer.js";
import { createRegistry } from "../domain/create-registry.js";
import type { Registry } from "../domain/registry.js";
import { createReviewHandler } from "../review/review-handler.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { createAuthenticator, tokenIdentitiesFor } from "./create-authenticator.js";
import {
  compileBudgetOptions,
  compileDependencyOptions,
  governanceOptions,
  type RegistryConfigFile,
} from "./registry-config.js";
import { registryRoutes } from "./registry-routes.js";

/** How long a shutdown waits for compiles in flight by default, in milliseconds. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  /** The checked config (see loadRegistryConfig / checkRegistryConfig). */
  config: RegistryConfigFile;
  /** Environment variables, for `auth.jwt.secret_env`. Default process.env. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The log. Default pino to stdout, info. */
  logger?: Logger | undefined;
}

/** A running registry. */
export interface RunningRegistry {
  /** `http://host:port`. */
  readonly url: string;
  /** The domain, for in-process use (tests, `ameide-ext dev`). */
  readonly registry: Registry;
  /** The store. */
  readonly store: RegistryStore;
  /** The catalog publisher. */
  readonly catalogs: CatalogPublisher;
  /**
   * Stops listening, waits for the compiles in flight at most `graceMs` (default the config's
   * `shutdown_grace_ms`, else 10 s), cancels the rest (see Registry.drain), and closes the store:
   * it ends within `graceMs` + 1 s. Resolves true when no compile had to be cancelled.
   */
  close(graceMs?: number): Promise<boolean>;
}

/**
 * Starts the reference Transformation extension registry: opens and migrates
 * the store, creates the compile worker (folder module store) and the
 * catalog publisher, and serves `ameide.transformation.v1.ExtensionService`
 * (Connect, gRPC-Web and gRPC over HTTP/1.1) with `/healthz` and the review page (`/review`,
 * src/review/) next to it.
 */
export async function startRegistry(options: StartRegistryOptions): Promise<RunningRegistry> {
  const { config } = options;
  const env = options.env ?? process.env;
  const logger =
    options.logger ??
    pino({ base: { service: "ameide-ext-registry" }, timestamp: pino.stdTimeFunctions.isoTime });
  let jwt: { secret: string; issuer?: string; audience?: string } | undefined;
  if (config.auth.jwt) {
    const secret =
      config.auth.jwt.secret ?? (config.auth.jwt.secret_env ? env[config.auth.jwt.secret_env] : undefined);
    if (!secret)
      throw new ExtensionError(
        "invalid_argument",
        `auth.jwt needs secret or secret_env (${config.auth.jwt.secret_env ?? "unset"} is empty)`,
      );
    jwt = {
      secret,
      ...(config.auth.jwt.issuer ? { issuer: config.auth.jwt.issuer } : {}),
      ...(config.auth.jwt.audience ? { audience: config.auth.jwt.audience } : {}),
    };
  }
  const authenticate = createAuthenticator({ tokens: config.auth.tokens, jwt });
  const store = await openRegistryStore(config.database ?? "registry.db");
  const s3 = config.modules?.s3 && {
    endpoint: config.modules.s3.endpoint,
    region: config.modules.s3.region,
    forcePathStyle: config.modules.s3.force_path_style,
  };
  const readOnlyHostMethods = config.read_only_host_methods;
  const catalogs = createCatalogPublisher({
    store,
    catalogs: config.catalogs ?? {},
    s3,
    readOnlyHostMethods,
  });
  const registry = createRegistry({
    store,
    compiler: createCompileWorker({
      modules: s3 ? createS3ModuleWriter(s3) : createFolderModuleWriter(config.modules?.root ?? "modules"),
      concurrency: config.compile_concurrency,
      dependencies: compileDependencyOptions(config),
    }),
    onDeploymentChange: async (e) => {
      const doc = await catalogs.publish(e);
      if (doc)
        logger.info(
          { event: "catalog_written", env: e, extensions: doc.extensions.length },
          `catalog of ${e} written`,
        );
    },
    governance: governanceOptions(config),
    readOnlyHostMethods,
    compileBudget: compileBudgetOptions(config),
    // Every refusal is counted (refused_total); a flood logs at 1, 2, 4, 8… so it cannot flood the log.
    onCompileRefused: (r) => {
      if ((r.refusedTotal & (r.refusedTotal - 1)) === 0)
        logger.warn(
          {
            event: "compile_refused",
            rule: "compile_rate",
            caller: r.caller,
            per: r.per,
            limit: r.limit,
            refused_total: r.refusedTotal,
          },
          `compile of ${r.caller} refused by its compile budget (${r.refusedTotal} so far)`,
        );
    },
    reviewersOf: (tenantId) => tokenIdentitiesFor(config.auth.tokens, tenantId),
    onError: (e) =>
      logger.error({ event: "registry_error", error_code: e.code, details: e.details }, e.message),
  });
  const review = createReviewHandler({ registry, authenticate });
  const handler = connectNodeAdapter({
    routes: registryRoutes(registry, authenticate),
    readMaxBytes: 32 * 1024 * 1024,
    fallback: (req, res) => {
      if (req.url === "/healthz") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok\n");
        return;
      }
      // The server is HTTP/1.1 (createServer below), so these are its request and response.
      void review(req as IncomingMessage, res as ServerResponse).then((served) => {
        if (served) return;
        res.writeHead(404);
        res.end();
      });
    },
  });
  const server: Server = createServer(handler);
  const host = config.listen?.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.listen?.port ?? 8090, host, () => resolve());
    });
  } catch (cause) {
    await store.close();
    throw new ExtensionError(
      "unavailable",
      `the registry cannot listen on ${host}:${config.listen?.port ?? 8090}: ${(cause as Error).message}`,
    );
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  logger.info(
    { event: "listening", url, database: store.backend, schema_version: store.schemaVersion },
    `registry listening on ${url}`,
  );
  return {
    url,
    registry,
    store,
    catalogs,
    async close(graceMs = config.shutdown_grace_ms ?? DEFAULT_SHUTDOWN_GRACE_MS) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      const clean = await registry.drain(graceMs);
      catalogs.close();
      await store.close();
      return clean;
    },
  };
}
