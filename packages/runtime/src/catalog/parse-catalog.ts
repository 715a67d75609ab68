import { createHash } from "node:crypto";
import {
  DEFAULT_LIMITS,
  ExtensionError,
  type ExtensionKind,
  type ExtensionLimits,
  type RiskTier,
} from "@ameide-ext/contract";
import { Ajv, type ErrorObject } from "ajv";
import { parse as parseYaml } from "yaml";
import type { HostCallPolicy } from "../engine/types.js";
import { type ModuleRef, parseModuleRef } from "../store/module-ref.js";
import { CATALOG_SCHEMA, type CatalogFile, type CatalogFileRuntime, SLO_BOUNDS } from "./catalog-schema.js";
import { compareVersions } from "./compare-versions.js";
import { refOutsideTenant } from "./ref-outside-tenant.js";

/** One extension version the runtime may run, checked and with its defaults filled in. */
export interface CatalogEntry {
  readonly tenantId: string;
  readonly extensionId: string;
  readonly version: string;
  readonly kind: ExtensionKind;
  /** The parsed `wasm_blob_ref`, with its checksum. */
  readonly ref: ModuleRef;
  readonly riskTier: RiskTier;
  /** Limits, defaults from DEFAULT_LIMITS filled in. */
  readonly limits: ExtensionLimits;
  /** The host-call policy the engine's gate applies: the tier, the allowlist, the count. */
  readonly policy: HostCallPolicy;
  /** The kill switch. */
  readonly disabled: boolean;
  /** The version's SLO, when the catalog gives one. */
  readonly slo: SloSpec | undefined;
  /** "<tenant>/<extension>/<version>": the circuit breaker's key, and the logs'. */
  readonly key: string;
  /** How its invocations are recorded: every error, `sample` of its successes; `sensitiveInput` keeps only the input's sha256. */
  readonly recording: { readonly sample: number; readonly sensitiveInput: boolean };
}

/** The fraction of successful invocations recorded when the catalog does not say: 1%. */
export const DEFAULT_RECORDING_SAMPLE = 0.01;

/** An entry's SLO, checked (catalog-schema.ts, CatalogFileSlo). */
export interface SloSpec {
  /** The share of invocations that may fail technically. */
  readonly errorRate: number;
  /** The 99th percentile latency objective, ms; undefined when the SLO has none. */
  readonly p99Ms: number | undefined;
  /** The fast-burn window, ms. */
  readonly windowMs: number;
  /** As written, e.g. "1h": the metrics' and the events' name of it. */
  readonly window: string;
  /** A fast burn asks the registry to roll back. */
  readonly autoRollback: boolean;
}

/** The milliseconds of a window written `<n>m`, `<n>h` or `<n>d`. */
export function windowMs(window: string): number {
  const n = Number(window.slice(0, -1));
  const unit = window.at(-1);
  return n * (unit === "d" ? 86_400_000 : unit === "h" ? 3_600_000 : 60_000);
}

/** Where host calls to one service go. */
export interface HostServiceEndpoint {
  /** Base URL of its Connect endpoint, without a trailing slash. */
  readonly url: string;
}

/** The catalog in force: which extension versions each tenant may run, and where host calls go. */
export interface Catalog {
  /** The environment the catalog is for, when it says. */
  readonly env: string | undefined;
  /** sha256 of the catalog's text (or of its JSON when built from an object). */
  readonly hash: string;
  /** Every entry, in file order. */
  readonly entries: readonly CatalogEntry[];
  /** Host-call endpoints by fully qualified service name. */
  readonly hostServices: ReadonlyMap<string, HostServiceEndpoint>;
  /** The runtime settings section, as written. Read at start; changing it needs a restart. */
  readonly runtime: Readonly<CatalogFileRuntime>;
  /**
   * The entry for `(tenantId, extensionId, version)`; `version` "latest" is
   * the pinned version when `latest` pins one, else the highest version
   * (numeric-aware). Throws `not_found` when the tenant has no such
   * extension or version, which is also what another tenant's extension
   * gives: nothing tells the two apart. An empty version is
   * `invalid_argument`. With `consumerRef` (the request's `consumer_ref`), "latest" is the version
   * `pins` pins that consumer to, when it pins one.
   */
  resolve(tenantId: string, extensionId: string, version: string, consumerRef?: string): CatalogEntry;
}

/** Options of {@link parseCatalog}. */
export interface ParseCatalogOptions {
  /** Where the text came from, for error messages. Default "catalog". */
  source?: string;
}

let validator: ReturnType<Ajv["compile"]> | undefined;

function validate(doc: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(CATALOG_SCHEMA);
  return validator(doc) ? [] : [...(validator.errors ?? [])];
}

interface Problem {
  path: string;
  message: string;
  /** Set for a problem with a reason of its own (a ref outside its tenant's prefix). */
  reason?: "module_ref_outside_tenant";
}

/** The catalog refused: `invalid_manifest`, or `module_ref_outside_tenant` when any entry points outside its tenant. */
function invalid(source: string, problems: Problem[]): ExtensionError {
  const first = problems.find((p) => p.reason !== undefined) ?? (problems[0] as Problem);
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return new ExtensionError(
    "invalid_argument",
    `${source} is not a valid catalog: ${first.path || "/"} ${first.message}${more}`,
    first.reason ?? "invalid_manifest",
    { source, problems },
  );
}

/**
 * Parses and checks a catalog file, YAML or JSON (JSON is YAML). Refuses, with
 * `invalid_argument/invalid_manifest` and every problem in `details.problems`:
 * text that does not parse, anything the JSON Schema ({@link CATALOG_SCHEMA})
 * refuses, a malformed `wasm_blob_ref`, one outside `extensions/<its tenant>/`
 * (then the reason is `module_ref_outside_tenant`), the same version twice, a low-tier
 * entry with host calls, a medium-tier entry allowing a method not marked
 * read-only, and a `latest` or consumer pin (`pins`) naming a version the catalog does not have.
 */
export function parseCatalog(text: string, options: ParseCatalogOptions = {}): Catalog {
  const source = options.source ?? "catalog";
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (cause) {
    throw invalid(source, [{ path: "", message: `does not parse: ${(cause as Error).message}` }]);
  }
  return buildCatalog(doc, createHash("sha256").update(text).digest("hex"), source);
}

/** Builds a catalog from an object of the file's shape (for embedding: the CLI, tests), with the same checks. */
export function createCatalog(doc: CatalogFile, options: ParseCatalogOptions = {}): Catalog {
  const hash = createHash("sha256").update(JSON.stringify(doc)).digest("hex");
  return buildCatalog(doc, hash, options.source ?? "catalog");
}

interface ExtensionVersions {
  versions: Map<string, CatalogEntry>;
  latest: CatalogEntry;
  /** Consumer pins: consumer_ref → the entry "latest" is for it. */
  pins?: Map<string, CatalogEntry>;
}

function buildCatalog(doc: unknown, hash: string, source: string): Catalog {
  const schemaErrors = validate(doc);
  if (schemaErrors.length > 0)
    throw invalid(
      source,
      schemaErrors.map((e) => ({ path: e.instancePath, message: e.message ?? "is invalid" })),
    );
  const file = doc as CatalogFile;
  const problems: Problem[] = [];
  const entries: CatalogEntry[] = [];
  const byTenant = new Map<string, Map<string, ExtensionVersions>>();

  file.extensions.forEach((raw, i) => {
    const path = `/extensions/${i}`;
    let ref: ModuleRef;
    try {
      ref = parseModuleRef(raw.wasm_blob_ref);
    } catch (cause) {
      problems.push({ path: `${path}/wasm_blob_ref`, message: (cause as Error).message });
      return;
    }
    const outside = refOutsideTenant(ref, raw.tenant_id);
    if (outside !== undefined) {
      problems.push({
        path: `${path}/wasm_blob_ref`,
        message: `${JSON.stringify(raw.wasm_blob_ref)} ${outside}`,
        reason: "module_ref_outside_tenant",
      });
      return;
    }
    const hostCalls = raw.host_calls ?? [];
    if (raw.risk_tier === "low" && hostCalls.length > 0)
      problems.push({
        path: `${path}/host_calls`,
        message: "must be empty: low-risk extensions make no host calls",
      });
    if (raw.risk_tier === "medium")
      hostCalls.forEach((h, j) => {
        if (h.read_only !== true)
          problems.push({
            path: `${path}/host_calls/${j}`,
            message: `allows ${h.service}/${h.method}, which is not read_only: medium-risk extensions may call read-only methods only`,
          });
      });
    const limits: ExtensionLimits = {
      cpuMillis: raw.limits?.cpu_millis ?? DEFAULT_LIMITS.cpuMillis,
      memoryMb: raw.limits?.memory_mb ?? DEFAULT_LIMITS.memoryMb,
      timeoutMs: raw.limits?.timeout_ms ?? DEFAULT_LIMITS.timeoutMs,
    };
    const policy: HostCallPolicy = {
      riskTier: raw.risk_tier,
      allow: hostCalls.map((h) => ({ service: h.service, method: h.method, readOnly: h.read_only === true })),
    };
    if (raw.limits?.host_calls_per_invocation !== undefined)
      policy.maxCalls = raw.limits.host_calls_per_invocation;
    let slo: SloSpec | undefined;
    if (raw.slo) {
      const window = raw.slo.window ?? "1h";
      const ms = windowMs(window);
      if (ms < SLO_BOUNDS.windowMs.min || ms > SLO_BOUNDS.windowMs.max)
        problems.push({ path: `${path}/slo/window`, message: `is ${window}, it must be from 1m to 7d` });
      slo = Object.freeze({
        errorRate: raw.slo.error_rate,
        p99Ms: raw.slo.p99_ms,
        windowMs: ms,
        window,
        autoRollback: raw.slo.auto_rollback === true,
      });
    }
    const entry: CatalogEntry = Object.freeze({
      tenantId: raw.tenant_id,
      extensionId: raw.extension_id,
      version: raw.version,
      kind: raw.kind,
      ref,
      riskTier: raw.risk_tier,
      limits: Object.freeze(limits),
      policy,
      disabled: raw.disabled === true,
      slo,
      key: `${raw.tenant_id}/${raw.extension_id}/${raw.version}`,
      recording: Object.freeze({
        sample: raw.recording?.sample ?? DEFAULT_RECORDING_SAMPLE,
        sensitiveInput: raw.recording?.sensitive_input === true,
      }),
    });
    let exts = byTenant.get(entry.tenantId);
    if (!exts) {
      exts = new Map();
      byTenant.set(entry.tenantId, exts);
    }
    const known = exts.get(entry.extensionId);
    if (!known) {
      exts.set(entry.extensionId, { versions: new Map([[entry.version, entry]]), latest: entry });
    } else if (known.versions.has(entry.version)) {
      problems.push({ path, message: `repeats ${entry.key}: each version may appear once` });
      return;
    } else {
      known.versions.set(entry.version, entry);
      if (compareVersions(entry.version, known.latest.version) > 0) known.latest = entry;
    }
    entries.push(entry);
  });

  for (const [name, version] of Object.entries(file.latest ?? {})) {
    const [tenantId, extensionId] = name.split("/") as [string, string];
    const pinned = byTenant.get(tenantId)?.get(extensionId)?.versions.get(version);
    if (!pinned) {
      problems.push({
        path: `/latest/${name}`,
        message: `pins version ${JSON.stringify(version)}, which the catalog does not have for ${name}`,
      });
      continue;
    }
    (byTenant.get(tenantId)?.get(extensionId) as ExtensionVersions).latest = pinned;
  }
  for (const [name, consumers] of Object.entries(file.pins ?? {})) {
    const [tenantId, extensionId] = name.split("/") as [string, string];
    const ext = byTenant.get(tenantId)?.get(extensionId);
    for (const [consumer, version] of Object.entries(consumers)) {
      const pinned = ext?.versions.get(version);
      if (!ext || !pinned) {
        problems.push({
          path: `/pins/${name}/${consumer}`,
          message: `pins version ${JSON.stringify(version)}, which the catalog does not have for ${name}`,
        });
        continue;
      }
      ext.pins ??= new Map();
      ext.pins.set(consumer, pinned);
    }
  }
  if (problems.length > 0) throw invalid(source, problems);

  const hostServices = new Map<string, HostServiceEndpoint>();
  for (const [name, svc] of Object.entries(file.host_services ?? {}))
    hostServices.set(name, Object.freeze({ url: svc.url.replace(/\/+$/, "") }));

  return Object.freeze({
    env: file.env,
    hash,
    entries: Object.freeze(entries),
    hostServices,
    runtime: Object.freeze({ ...(file.runtime ?? {}) }),
    resolve(tenantId: string, extensionId: string, version: string, consumerRef?: string): CatalogEntry {
      if (version === "")
        throw new ExtensionError(
          "invalid_argument",
          'version is empty: give a version such as "3", or "latest"',
          "invalid_input",
          { field: "version" },
        );
      const ext = byTenant.get(tenantId)?.get(extensionId);
      const entry =
        ext &&
        (version === "latest"
          ? (consumerRef && ext.pins?.get(consumerRef)) || ext.latest
          : ext.versions.get(version));
      if (!entry)
        throw new ExtensionError(
          "not_found",
          `extension ${JSON.stringify(extensionId)} version ${JSON.stringify(version)} is not in the catalog of tenant ${JSON.stringify(tenantId)}`,
          undefined,
          { extensionId, version },
        );
      return entry;
    },
  });
}
