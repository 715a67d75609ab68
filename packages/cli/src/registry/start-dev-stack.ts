import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { type HostCallMock, readHostCallsFile } from "@ameide-ext/toolkit";
import type { CliDeps } from "../deps.js";
import { type HostCallAnswers, startHostCallAnswers } from "../runtime/host-call-answers.js";
import { writeDevCatalog } from "./dev-catalog.js";
import { parseReadOnlyMethods } from "./dev-read-only-methods.js";
import { claimStackFolder } from "./dev-stack-seal.js";
import { loadOrMakeDevTokens } from "./dev-tokens.js";
import { makeOwnerOnlyFolder, removeEntry, writeOwnerOnlyFile } from "./owner-only-files.js";

/** Options of {@link startDevStack}. */
export interface DevStackOptions {
  /** The stack's folder (registry database, module store, catalog, tokens). Default `.ameide-dev` in the working directory. */
  dir?: string | undefined;
  /** The registry's port. Default 8090; 0 picks a free one. */
  registryPort?: number | undefined;
  /** The runtime's port. Default 8080; 0 picks a free one. */
  runtimePort?: number | undefined;
  /** The tenant the tokens may act for. Default "local". */
  tenant?: string | undefined;
  /** Log level of both services (to stderr). Default "info". */
  logLevel?: "debug" | "info" | "warn" | "error" | "silent" | undefined;
  /**
   * A JSON file of answers to host calls, in a fixture's `hostCalls` format: the stack then runs a host
   * service that answers the runtime's host calls from it ({@link startHostCallAnswers}), and points the dev
   * catalog's `host_services` for each service it names there. Default none.
   */
  hostCalls?: string | undefined;
  /** Called with the message of each host call no answer matched. Default: nothing. */
  onUnansweredHostCall?: ((message: string) => void) | undefined;
  /**
   * The host methods the developer, the dev stack's operator, declares read-only, each `<service>/<method>`
   * (`dev --read-only`): the stack's registry config's `read_only_host_methods`, from which it decides each
   * host call's `read_only` (a manifest marking another method read_only is refused). Default none, as a
   * deployed registry's; an answer in `hostCalls` declares nothing (a fixture may answer a write).
   */
  readOnlyHostMethods?: readonly string[] | undefined;
}

/** Where a stack's host calls are answered, when `hostCalls` was given. */
export interface DevHostCalls {
  /** The answers file. */
  file: string;
  /** The answers server's URL. */
  url: string;
  /** The services pointed at it in the dev catalog's `host_services`. */
  services: string[];
}

/** A running local stack: the registry and a runtime sharing a folder module store and the dev catalog. */
export interface DevStack {
  /** The stack's folder. */
  dir: string;
  /** The registry's URL (AMEIDE_REGISTRY_URL). */
  registryUrl: string;
  /** The runtime's URL (for the SDK's createRuntimeClient). */
  runtimeUrl: string;
  /** The dev catalog file the registry writes and the runtime watches. */
  catalog: string;
  /** The module store folder. */
  modules: string;
  /**
   * The config file for the CLI: registry_url, token, tenant, runtime_url, runtime_token_file. Commands run
   * in the stack's parent folder or below find it without AMEIDE_CONFIG.
   */
  configFile: string;
  /** Tokens by identity: `user:<name>` (a reviewer) and `agent:dev` (an author that may not approve). */
  tokens: Record<string, string>;
  /**
   * The runtime's caller token for this start (a JWT for the tenant only, 7 days), for the SDK's
   * `token` option. The runtime trusts only the key made at this start, so each start makes a new one.
   */
  runtimeToken: string;
  /** The file holding {@link runtimeToken} (mode 0600). */
  runtimeTokenFile: string;
  /**
   * The runtime's service credential for this start (identity {@link DEV_RUNTIME_SERVICE}): the registry
   * accepts it for RollbackOnSlo only. Not in `tokens.json`.
   */
  serviceToken: string;
  /** The tenant. */
  tenant: string;
  /** Where host calls are answered from a file (`hostCalls`), or null. */
  hostCalls: DevHostCalls | null;
  /** The registry's `read_only_host_methods`: per host service, the methods declared read-only (`--read-only`). */
  readOnlyHostMethods: Record<string, string[]>;
  /** The longest a {@link close} waits for invocations and compiles in flight, in milliseconds ({@link DEV_DRAIN_MS}). */
  drainMs: number;
  /**
   * Stops both services at once, each waiting at most {@link drainMs} for its work in flight (the
   * registry then cancels its compiles), then flushes the logs: it ends within about `drainMs` + 1.5 s.
   */
  close(): Promise<void>;
  /**
   * Writes the services' buffered log lines to stderr, waiting at most LOG_FLUSH_MS (0.5 s): past it,
   * when nobody reads stderr, the rest is given up so the process can exit. {@link close} does it too.
   */
  flushLogs(): Promise<boolean>;
}

/** The identity of the dev runtime's service credential (RollbackOnSlo); its token is made at each start. */
export const DEV_RUNTIME_SERVICE = "service:runtime";

/** How long `ameide-ext dev` waits for invocations and compiles in flight when it stops, in milliseconds. */
export const DEV_DRAIN_MS = 2000;

interface RegistryModule {
  checkRegistryConfig(doc: unknown, baseDir: string): unknown;
  startRegistry(options: { config: unknown; logger?: unknown }): Promise<{
    url: string;
    catalogs: { publish(env: "dev"): Promise<unknown> };
    close(graceMs?: number): Promise<unknown>;
  }>;
}

/**
 * `ameide-ext dev`: the local stack of spec 479 on embedded defaults, like
 * `spin up`: the registry (SQLite, folder module store) and a runtime that
 * watches the dev catalog the registry writes, both on loopback. Tokens are
 * made on first start and kept in `<dir>/tokens.json`, used again only under
 * dev's seal (a MAC with the user's key in `~/.ameide-ext/dev-key`, outside
 * the workspace: see {@link claimStackFolder}); `<dir>/config.json`
 * points the CLI at the registry as the local user, and `invoke` at the runtime. The runtime authenticates
 * its callers as in production: a key pair made at each start (only its public
 * JWKS is written, `<dir>/caller-jwks.json`) signs a caller token for the
 * stack's tenant, kept in `<dir>/runtime-token`. The folder is mode 0700 and
 * each file dev writes there is a new 0600 file renamed over its name, never
 * written through a link planted there. The catalog's `runtime` and
 * `host_services` are made anew at each start from the options; its
 * extensions are the registry's, from its database.
 */
export async function startDevStack(options: DevStackOptions, deps: CliDeps): Promise<DevStack> {
  // A bad --read-only or answers file is refused before anything is written.
  const readOnlyHostMethods = parseReadOnlyMethods(options.readOnlyHostMethods);
  const hostCalls =
    options.hostCalls === undefined
      ? undefined
      : await readHostCallsFile(options.hostCalls, "--host-calls", deps);
  const dir = path.resolve(deps.cwd, options.dir ?? ".ameide-dev");
  const tenant = options.tenant ?? "local";
  const modules = path.join(dir, "modules");
  const catalog = path.join(dir, "catalog-dev.json");
  // The key that vouches for what dev wrote is the person's, outside any workspace.
  const keyHome = { home: deps.env.HOME || homedir() };
  // The folder holds the reviewer's token: the owner's alone, whatever an earlier run left.
  await makeOwnerOnlyFolder(dir);
  // A registry.db or modules/ dev did not make here (a cloned repository's, an agent's) is refused.
  await claimStackFolder(dir, keyHome);
  await mkdir(modules, { recursive: true });
  const { tokens, replaced } = await loadOrMakeDevTokens(dir, deps.username(), keyHome);
  if (replaced !== undefined)
    deps.stderr.write(
      `dev: ${path.join(dir, "tokens.json")} was not one dev wrote (${replaced}): new tokens replace it; whoever put it there does not know them\n`,
    );
  const answers = hostCalls && (await startAnswers(hostCalls, options, deps));
  // The runtime's service credential (RollbackOnSlo): made at each start, held in memory by both services only.
  const serviceToken = randomBytes(24).toString("base64url");
  try {
    const { dropped } = await writeDevCatalog({ dir, catalog, modules }, answers?.server ?? null, keyHome);
    if (dropped !== undefined)
      deps.stderr.write(
        `dev: ${catalog} was not one dev wrote (${dropped}): its runtime settings and host_services endpoints are not used, this start's options replace them\n`,
      );
    // The runtime's key is made at each start: a caller-jwks.json (or a link) left there is removed first.
    await removeEntry(path.join(dir, "caller-jwks.json"));
  } catch (cause) {
    await answers?.server.close();
    throw ExtensionError.from(cause);
  }
  const { pino } = await import("pino");
  const rt = await import("@ameide-ext/runtime");
  // Asynchronous and capped: a stderr that nobody reads must never stop the services, nor their shutdown.
  const logs = rt.createLogDestination(2);
  const logger = (service: string) =>
    pino({ level: options.logLevel ?? "info", base: { service } }, logs.stream);

  // The registry package reuses this package's build library, so it is loaded by name at run time
  // rather than declared as a dependency (which would be a cycle).
  const registryPackage = "@ameide-ext/registry";
  let reg: RegistryModule;
  try {
    reg = (await import(registryPackage)) as RegistryModule;
  } catch (cause) {
    throw new ExtensionError(
      "failed_precondition",
      `ameide-ext dev needs @ameide-ext/registry, which cannot be loaded: ${(cause as Error).message}`,
      "store_unavailable",
    );
  }
  const config = reg.checkRegistryConfig(
    {
      database: path.join(dir, "registry.db"),
      listen: { host: "127.0.0.1", port: options.registryPort ?? 8090 },
      modules: { root: modules },
      catalogs: { dev: catalog },
      read_only_host_methods: readOnlyHostMethods,
      auth: {
        tokens: [
          ...Object.entries(tokens).map(([identity, token]) => ({ token, identity, tenants: [tenant] })),
          { token: serviceToken, identity: DEV_RUNTIME_SERVICE, tenants: [tenant] },
        ],
      },
    },
    dir,
  );
  let registry: Awaited<ReturnType<RegistryModule["startRegistry"]>>;
  try {
    registry = await reg.startRegistry({ config, logger: logger("ameide-ext-registry") });
  } catch (cause) {
    await answers?.server.close();
    throw cause;
  }
  let runtimeServer: Awaited<ReturnType<typeof rt.startRuntimeServer>>;
  let runtimeToken: string;
  const runtimeTokenFile = path.join(dir, "runtime-token");
  try {
    // The catalog's extensions are the registry's, written from its database (dev wrote none).
    await registry.catalogs.publish("dev");
    const cat = rt.parseCatalog(await readFile(catalog, "utf8"), { source: catalog });
    // Auth is the stack's, not the catalog file's: the registry rewrites that file.
    const issuer = await rt.createLocalTokenIssuer({ dir, issuer: "ameide-ext-dev" });
    runtimeToken = await issuer.mint({
      subject: "ameide-ext-dev",
      tenants: [tenant],
      ttlSeconds: 7 * 86_400,
    });
    await writeOwnerOnlyFile(runtimeTokenFile, `${runtimeToken}\n`);
    const runtime = await rt.createRuntime({
      catalog: cat,
      catalogPath: catalog,
      settings: rt.resolveRuntimeSettings({ ...cat.runtime, auth: issuer.auth }),
      reloadDebounceMs: 50,
      logger: logger("ameide-ext-runtime"),
      defaultMetrics: false,
      // A version whose SLO says auto_rollback and burns fast is rolled back through the registry.
      sloRollback: rt.createSloRollbackClient({
        url: registry.url,
        token: serviceToken,
      }),
    });
    runtimeServer = await rt.startRuntimeServer(runtime, {
      port: options.runtimePort ?? 8080,
      host: "127.0.0.1",
    });
  } catch (cause) {
    await registry.close();
    await answers?.server.close();
    throw ExtensionError.from(cause);
  }
  const user = Object.keys(tokens)[0] as string;
  const configFile = path.join(dir, "config.json");
  await writeOwnerOnlyFile(
    configFile,
    `${JSON.stringify(
      {
        registry_url: registry.url,
        token: tokens[user],
        tenant,
        runtime_url: runtimeServer.url ?? "",
        runtime_token_file: runtimeTokenFile,
      },
      null,
      2,
    )}\n`,
  );
  return {
    dir,
    registryUrl: registry.url,
    runtimeUrl: runtimeServer.url ?? "",
    catalog,
    modules,
    configFile,
    tokens,
    runtimeToken,
    runtimeTokenFile,
    serviceToken,
    tenant,
    hostCalls: answers
      ? { file: answers.file, url: answers.server.url, services: answers.server.services }
      : null,
    readOnlyHostMethods,
    drainMs: DEV_DRAIN_MS,
    async close() {
      await Promise.all([runtimeServer.shutdown(DEV_DRAIN_MS), registry.close(DEV_DRAIN_MS)]);
      await answers?.server.close();
      await logs.flush();
    },
    flushLogs: () => logs.flush(),
  };
}

/** The host-call answers server for `answers`, read from `options.hostCalls`, started on loopback. */
async function startAnswers(
  answers: HostCallMock[],
  options: DevStackOptions,
  deps: CliDeps,
): Promise<{ file: string; server: HostCallAnswers }> {
  const file = path.resolve(deps.cwd, options.hostCalls ?? "");
  const server = await startHostCallAnswers({ answers, file, onUnanswered: options.onUnansweredHostCall });
  return { file, server };
}
