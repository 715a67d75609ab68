// Test support: many runtime replicas on one machine, fed from object storage (issue #16). s3rver,
// the registry on PostgreSQL publishing dev's catalog to the bucket, and N runtime processes
// (`ameide-ext-runtime`, from the sources) watching it. Used by replicas.e2e.test.ts and by
// `npm run bench:replicas` (packages/bench). Internal: not a stable API.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RuntimeProcess, spawnRuntime } from "@ameide-ext/runtime/testing/service";
import { pino } from "pino";
import S3rver from "s3rver";
import type { Caller } from "../domain/registry.js";
import { checkRegistryConfig } from "../service/registry-config.js";
import { type RunningRegistry, startRegistry } from "../service/start-registry.js";
import { hookRevision } from "./hook-revision.js";
import { type PostgresServer, startPostgres } from "./postgres-server.js";

/** The caller the stack drives the registry as. */
export const STACK_CALLER: Caller = { actor: "user:ann", tenants: ["*"] };

/** The extension the stack ships: the scaffolded deal-guard process hook of tenant acme. */
export const STACK_EXTENSION = { tenantId: "acme", extensionId: "deal-guard" } as const;

/** Options of {@link startReplicaStack}. */
export interface ReplicaStackOptions {
  /** Runtime processes. */
  replicas: number;
  /** `runtime.catalog.poll_interval_ms` of every replica. */
  pollIntervalMs: number;
  /** `runtime.catalog.poll_jitter_ms` of every replica. */
  pollJitterMs: number;
  /** `runtime.pool.size` of every replica. Default 1. */
  poolSize?: number;
}

/** A running stack. */
export interface ReplicaStack {
  readonly registry: RunningRegistry;
  /** The runtime processes, in start order (one may be killed). */
  readonly runtimes: RuntimeProcess[];
  /** Their URLs. */
  readonly urls: string[];
  /** The s3rver endpoint. */
  readonly s3Endpoint: string;
  /** The catalog object the replicas watch. */
  readonly catalogUrl: string;
  /**
   * Creates, compiles (the real compile worker, which puts the module in the bucket) and so
   * promotes to dev (automatic for a low-risk hook) the next version of the scaffolded hook (a
   * comment tells each version's sources apart; its fixtures still pass). Resolves with the
   * version and when dev's catalog was written (Date.now() once the pointer was in the bucket).
   */
  shipVersion(): Promise<{ version: string; publishedAt: number }>;
  /** Makes `version` (one that ran in dev) the active one: a rollback in the registry's terms. */
  switchTo(version: string): Promise<{ publishedAt: number }>;
  /** Starts one more runtime process on the same config (e.g. for a one-replica baseline). */
  startRuntime(): Promise<RuntimeProcess>;
  /** Stops every process and removes the temp folder. */
  close(): Promise<void>;
}

const S3_ENV = { AMEIDE_S3_ACCESS_KEY_ID: "S3RVER", AMEIDE_S3_SECRET_ACCESS_KEY: "S3RVER" };

/**
 * Starts s3rver (bucket `extensions`), PostgreSQL, the registry (modules and dev's catalog in the
 * bucket: `s3://extensions/catalogs/dev.json`) and `replicas` runtime processes on loopback whose
 * config names that catalog. The registry writes with the AWS SDK's default chain: this sets
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY to s3rver's in this process.
 */
export async function startReplicaStack(options: ReplicaStackOptions): Promise<ReplicaStack> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  process.env.AWS_ACCESS_KEY_ID = "S3RVER";
  process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
  const dir = await mkdtemp(join(tmpdir(), "ameide-replicas-"));
  const cleanups: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const s3 = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: join(dir, "s3"),
      configureBuckets: [{ name: "extensions", configs: [] }],
    });
    const s3Endpoint = `http://127.0.0.1:${((await s3.run()) as AddressInfo).port}`;
    cleanups.push(() => s3.close());
    const pg: PostgresServer = await startPostgres();
    cleanups.push(() => pg.stop());
    const catalogUrl = "s3://extensions/catalogs/dev.json";

    // When dev's catalog was written, from the registry's own log line.
    const published: number[] = [];
    const logger = pino(
      { level: "info" },
      {
        write(line: string) {
          if (line.includes('"event":"catalog_written"')) published.push(Date.now());
        },
      },
    );
    const registry = await startRegistry({
      config: checkRegistryConfig(
        {
          database: await pg.createDatabase("registry_replicas"),
          listen: { host: "127.0.0.1", port: 0 },
          modules: { s3: { endpoint: s3Endpoint, force_path_style: true } },
          catalogs: { dev: catalogUrl },
          auth: {
            tokens: [{ token: "replica-stack-token-0123456789", identity: "user:ann", tenants: ["acme"] }],
          },
        },
        dir,
      ),
      logger,
    });
    cleanups.push(async () => {
      await registry.close(1_000);
    });

    const config = join(dir, "runtime.json");
    await writeFile(
      config,
      JSON.stringify({
        env: "dev",
        extensions: [],
        runtime: {
          host: "127.0.0.1",
          pool: { size: options.poolSize ?? 1 },
          // s3rver rewrites an object in place: a GET racing the registry's PUT may read it torn (the
          // runtime reads it again) or, its length short of Content-Length, hang until the timeout.
          store: { s3: { endpoint: s3Endpoint, force_path_style: true, fetch_timeout_ms: 2_000 } },
          catalog: {
            source: catalogUrl,
            poll_interval_ms: options.pollIntervalMs,
            poll_jitter_ms: options.pollJitterMs,
          },
          auth: { mode: "insecure_local" },
          shutdown_grace_ms: 1_000,
        },
      }),
    );
    const runtimes: RuntimeProcess[] = [];
    const startRuntime = async () => {
      const r = await spawnRuntime(config, ["--port", "0"], {
        ...S3_ENV,
        AMEIDE_RUNTIME_LOG_LEVEL: "info", // spawnRuntime waits for the `listening` line
      });
      cleanups.push(async () => {
        await r.stop("SIGKILL");
      });
      return r;
    };
    const started = await Promise.all(Array.from({ length: options.replicas }, () => startRuntime()));
    runtimes.push(...started);

    const sources = join(dir, "sources");
    await mkdir(sources, { recursive: true });
    let shipped = 0;
    const waitPublished = async (before: number) => {
      await registry.registry.idle();
      if (published.length <= before) throw new Error("the registry wrote no catalog for dev");
      return published[published.length - 1] as number;
    };
    return {
      registry,
      runtimes,
      get urls() {
        return runtimes.map((r) => r.url as string);
      },
      s3Endpoint,
      catalogUrl,
      async shipVersion() {
        shipped++;
        const rev = await hookRevision(join(sources, String(shipped)), "process_hook", async (hook) => {
          const src = join(hook, "src", "index.ts");
          await writeFile(src, `${await readFile(src, "utf8")}\n// replica stack build ${shipped}\n`);
        });
        const r = registry.registry;
        const draft = await r.createDraft(STACK_CALLER, {
          ...STACK_EXTENSION,
          kind: rev.kind,
          riskTier: rev.riskTier,
          limits: rev.limits,
          hostCalls: rev.hostCalls,
        });
        const key = { ...STACK_EXTENSION, version: draft.revision.version };
        await r.uploadSource(STACK_CALLER, {
          ...key,
          language: "assemblyscript",
          files: rev.sources,
          manifestJson: rev.manifestJson,
        });
        const before = published.length;
        await r.requestCompile(STACK_CALLER, key);
        const publishedAt = await waitPublished(before);
        return { version: key.version, publishedAt };
      },
      async switchTo(version) {
        const before = published.length;
        await registry.registry.rollback(STACK_CALLER, {
          ...STACK_EXTENSION,
          env: "dev",
          toVersion: version,
          comment: "replica stack: switch",
        });
        return { publishedAt: await waitPublished(before) };
      },
      async startRuntime() {
        const r = await startRuntime();
        runtimes.push(r);
        return r;
      },
      close,
    };
  } catch (cause) {
    await close();
    throw cause;
  }
}
