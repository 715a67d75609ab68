import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import {
  type CatalogFile,
  type CatalogFileEntry,
  type CatalogFileSlo,
  catalogFromObject,
  parseCatalog,
  type S3Connection,
  SLO_BOUNDS,
  windowMs,
} from "@ameide-ext/runtime";
import { parse as parseYaml } from "yaml";
import {
  createReadOnlyMethods,
  type ReadOnlyMethods,
  type ReadOnlyMethodsOptions,
} from "../domain/read-only-methods.js";
import type { Env, RevisionRecord } from "../domain/types.js";
import type { RegistryStore } from "../store/registry-store.js";
import { createS3CatalogWriter, type S3CatalogWriter } from "./s3-catalog-writer.js";

/** Options of {@link createCatalogPublisher}. */
export interface CatalogPublisherOptions {
  /** The registry's state. */
  store: RegistryStore;
  /**
   * Where each environment's runtime catalog goes: a file path, or `s3://<bucket>/catalogs/<env>.json`
   * (the module store's bucket, which runtimes poll: docs/registry.md, "Publishing to the bucket").
   * Environments without one are not written.
   */
  catalogs: Partial<Record<Env, string>>;
  /** The S3 / MinIO connection for `s3://` targets (the module store's). Default: AWS's defaults. */
  s3?: S3Connection | undefined;
  /**
   * Per host service, its read-only methods (the registry config's `read_only_host_methods`; default
   * none): each host call's `read_only` in the catalog is this verdict, never the author's manifest.
   */
  readOnlyHostMethods?: ReadOnlyMethodsOptions | undefined;
}

/** Rewrites an environment's runtime catalog from the registry's state. */
export interface CatalogPublisher {
  /** Writes `env`'s catalog (no-op when none is configured) and returns what it wrote. */
  publish(env: Env): Promise<CatalogFile | undefined>;
  /** Closes the S3 client, if one was made. */
  close(): void;
}

const within = (n: unknown, b: { min: number; max: number }): n is number =>
  typeof n === "number" && Number.isFinite(n) && n >= b.min && n <= b.max;

/**
 * The manifest's `slo`, as the catalog takes it; undefined when the manifest has none, or one the catalog
 * would refuse (the compile checks it first: this keeps one bad manifest from stopping a whole catalog).
 */
export function sloOfManifest(manifestJson: string): CatalogFileSlo | undefined {
  let slo: unknown;
  try {
    slo = (JSON.parse(manifestJson) as { slo?: unknown }).slo;
  } catch {
    return undefined;
  }
  if (typeof slo !== "object" || slo === null) return undefined;
  const s = slo as Record<string, unknown>;
  if (!within(s.error_rate, SLO_BOUNDS.errorRate)) return undefined;
  const out: CatalogFileSlo = { error_rate: s.error_rate };
  if (s.p99_ms !== undefined) {
    if (!Number.isInteger(s.p99_ms) || !within(s.p99_ms, SLO_BOUNDS.p99Ms)) return undefined;
    out.p99_ms = s.p99_ms;
  }
  if (s.window !== undefined) {
    if (typeof s.window !== "string" || !/^[1-9][0-9]{0,5}[mhd]$/.test(s.window)) return undefined;
    if (!within(windowMs(s.window), SLO_BOUNDS.windowMs)) return undefined;
    out.window = s.window;
  }
  if (s.auto_rollback !== undefined) {
    if (typeof s.auto_rollback !== "boolean") return undefined;
    out.auto_rollback = s.auto_rollback;
  }
  return out;
}

/**
 * The version's host calls with the registry's `read_only` verdict. A medium-tier version may call
 * read-only methods only: a call the operator no longer lists as read-only is left out of its allowlist
 * (the runtime then refuses that call), rather than writing a catalog the runtime would refuse whole.
 */
function hostCallsOf(
  rev: RevisionRecord,
  readOnly: ReadOnlyMethods,
): NonNullable<CatalogFileEntry["host_calls"]> {
  const calls = readOnly
    .verdict(rev.hostCalls)
    .map((h) => ({ service: h.service, method: h.method, read_only: h.read_only === true }));
  return rev.riskTier === "medium" ? calls.filter((h) => h.read_only) : calls;
}

function entryOf(rev: RevisionRecord, readOnly: ReadOnlyMethods): CatalogFileEntry {
  const limits: NonNullable<CatalogFileEntry["limits"]> = {};
  if (rev.limits.cpu_millis) limits.cpu_millis = rev.limits.cpu_millis;
  if (rev.limits.memory_mb) limits.memory_mb = rev.limits.memory_mb;
  if (rev.limits.timeout_ms) limits.timeout_ms = rev.limits.timeout_ms;
  if (rev.limits.host_calls_per_invocation !== undefined && rev.limits.host_calls_per_invocation > 0)
    limits.host_calls_per_invocation = rev.limits.host_calls_per_invocation;
  const entry: CatalogFileEntry = {
    tenant_id: rev.tenantId,
    extension_id: rev.extensionId,
    version: rev.version,
    kind: rev.kind,
    wasm_blob_ref: rev.wasmBlobRef,
    risk_tier: rev.riskTier,
  };
  if (Object.keys(limits).length > 0) entry.limits = limits;
  const slo = sloOfManifest(rev.manifestJson);
  if (slo) entry.slo = slo;
  const hostCalls = hostCallsOf(rev, readOnly);
  if (hostCalls.length > 0) entry.host_calls = hostCalls;
  return entry;
}

/**
 * The GitOps step of spec 479 §7.2 stage 5, for one machine: after a
 * promotion, a rollback or a pin in an environment, the environment's runtime
 * catalog file (the format of `@ameide-ext/runtime`'s CATALOG_SCHEMA) is
 * rewritten from the registry's state. Every version ever promoted there
 * stays in `extensions` (older versions stay available, and a caller may ask
 * for one by number); `latest` pins each extension to its active version;
 * `pins` carries each consumer's pin (the runtime resolves that consumer's
 * "latest" to it); a version under a kill switch (Disable) is written with
 * `disabled: true`. Sections the registry does not own (`runtime`, `host_services`) are kept
 * as they are in the file. What is written is checked with the runtime's own
 * parser first, then written atomically (temp file + rename), so a runtime
 * watching the file sees either the old catalog or the new one. An
 * `s3://…/catalogs/<env>.json` target gets a catalog object instead (only
 * `env`, `extensions`, `latest` and `pins`: the runtimes' config files keep the rest),
 * written by createS3CatalogWriter: the immutable copy, then the pointer.
 */
export function createCatalogPublisher(options: CatalogPublisherOptions): CatalogPublisher {
  let chain: Promise<unknown> = Promise.resolve();
  let s3: S3CatalogWriter | undefined;
  const readOnly = createReadOnlyMethods(options.readOnlyHostMethods);
  const publishNow = async (env: Env): Promise<CatalogFile | undefined> => {
    const target = options.catalogs[env];
    if (target === undefined) return undefined;
    const { entries, latest, pins } = await envState(options.store, env, readOnly);
    if (target.startsWith("s3://")) {
      // The object carries what the registry owns, nothing else (the runtime refuses more).
      const doc: CatalogFile = { env, extensions: entries, latest, pins };
      const text = `${JSON.stringify(doc, null, 2)}\n`;
      catalogFromObject({ env, extensions: [] }, text, target); // the runtime's own check
      s3 ??= createS3CatalogWriter(options.s3);
      await s3.write(target, text);
      return doc;
    }
    return writeCatalogFile(target, env, { extensions: entries, latest, pins });
  };
  return {
    publish(env) {
      // One write at a time, in order: the last state always wins.
      const next = chain.then(
        () => publishNow(env),
        () => publishNow(env),
      );
      chain = next.catch(() => {});
      return next;
    },
    close() {
      s3?.close();
    },
  };
}

/** What `env` runs, as the catalog says it. */
type EnvState = Required<Pick<CatalogFile, "latest" | "pins">> & { entries: CatalogFileEntry[] };

/**
 * What `env` runs: every version promoted there (those under a kill switch marked `disabled`), the
 * active version of each extension, and each consumer's pin.
 */
async function envState(store: RegistryStore, env: Env, readOnly: ReadOnlyMethods): Promise<EnvState> {
  return store.transaction(async (tx) => {
    const versions = await tx.listEnvVersions(env);
    const deployments = await tx.listEnvDeployments(env);
    const off = new Set(
      (await tx.listEnvDisabled(env)).map((d) => `${d.tenantId}/${d.extensionId}/${d.version}`),
    );
    const entries: CatalogFileEntry[] = [];
    for (const v of versions) {
      const rev = await tx.getRevision(v.tenantId, v.extensionId, v.version);
      if (!rev?.wasmBlobRef) continue;
      const entry = entryOf(rev, readOnly);
      const key = `${v.tenantId}/${v.extensionId}`;
      if (off.has(`${key}/`) || off.has(`${key}/${v.version}`)) entry.disabled = true;
      entries.push(entry);
    }
    const latest: Record<string, string> = {};
    for (const d of deployments.sort((a, b) =>
      `${a.tenantId}/${a.extensionId}`.localeCompare(`${b.tenantId}/${b.extensionId}`),
    ))
      latest[`${d.tenantId}/${d.extensionId}`] = d.activeVersion;
    const pins: Record<string, Record<string, string>> = {};
    for (const p of await tx.listEnvPins(env)) {
      const key = `${p.tenantId}/${p.extensionId}`;
      pins[key] ??= {};
      pins[key][p.consumerRef] = p.version;
    }
    return { entries, latest, pins };
  });
}

/** Rewrites a catalog file, keeping the sections the registry does not own; atomically (temp file + rename). */
async function writeCatalogFile(
  file: string,
  env: Env,
  owned: Pick<CatalogFile, "extensions" | "latest" | "pins">,
): Promise<CatalogFile> {
  let existing: Partial<CatalogFile> = {};
  try {
    existing = (parseYaml(await readFile(file, "utf8")) ?? {}) as Partial<CatalogFile>;
  } catch {
    existing = {};
  }
  const doc: CatalogFile = { ...existing, env, ...owned };
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  parseCatalog(text, { source: file }); // the runtime's own check: never write what it would refuse
  await mkdir(dirname(file), { recursive: true });
  // A new file of a name no one can guess, never an existing one or a link planted at a known name.
  const tmp = `${file}.${randomUUID()}.tmp`;
  const handle = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  return doc;
}
