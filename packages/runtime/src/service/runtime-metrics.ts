import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import type { CircuitState } from "./circuit-breaker.js";
import { hookKind } from "./hook-kind.js";
import { createTallyHistogram, type HistogramSeries } from "./tally-histogram.js";

/** Label value for requests that resolved to no catalog entry, so unknown ids cannot grow the label sets. */
export const UNRESOLVED = "(unresolved)";

/** The labels that identify an extension version in metrics. Values come from the catalog only. */
export interface ExtensionLabels {
  tenant_id: string;
  extension_id: string;
  version: string;
  /** The hook kind (§6.5): `process`, `domain`, `agent`. */
  kind: string;
}

/** The labels of a catalog entry's invocations. */
export function extensionLabels(entry: CatalogEntry): ExtensionLabels {
  return {
    tenant_id: entry.tenantId,
    extension_id: entry.extensionId,
    version: entry.version,
    kind: hookKind(entry.kind),
  };
}

/** The labels of invocations that resolved to no catalog entry. */
export const UNRESOLVED_LABELS: ExtensionLabels = Object.freeze({
  tenant_id: UNRESOLVED,
  extension_id: UNRESOLVED,
  version: UNRESOLVED,
  kind: UNRESOLVED,
});

/** The runtime's Prometheus metrics (served at `/metrics`). */
export interface RuntimeMetrics {
  readonly registry: Registry;
  /** Records one finished invocation. */
  invocation(
    labels: ExtensionLabels,
    outcome: string,
    errorCode: string,
    errorReason: string,
    seconds: number,
    fuel: number,
    memoryBytes: number,
  ): void;
  /**
   * Records the inputs of one batch that resolved to `labels` and did not fail technically (those go
   * through {@link invocation}, one by one): the same series as one invocation each, the label sets
   * resolved once per outcome instead of once per input.
   */
  invocationsOfBatch(
    labels: ExtensionLabels,
    runs: ReadonlyArray<{
      outcome: "ok" | "business_error";
      seconds: number;
      fuel: number;
      memoryBytes: number;
    }>,
  ): void;
  /** Records one host call. */
  hostCall(service: string, method: string, code: string, seconds: number): void;
  /** Records one module fetched from the store because the cache did not hold it. */
  coldFetch(scheme: string, seconds: number, ok: boolean): void;
  /** Records a module refused because its sha256 differs from its ref. */
  integrityFailure(labels: ExtensionLabels): void;
  /** Records a catalog (re)load. */
  catalogLoad(ok: boolean, extensions?: number): void;
  /** Records a poll of the catalog object that failed (S3 unreachable, object gone); the catalog in force stays. */
  catalogFetchFailed(): void;
  /** Sets a breaker's state gauge. */
  circuit(key: string, state: CircuitState): void;
  /** Invocations in flight. */
  inflight(delta: number): void;
  /** Records an InvokeExtension refused before it ran, for who called or for whom. */
  callerRefused(code: string, reason: string): void;
  /** Records a connection closed by the connection guard (connection-guard.ts), by reason. */
  connectionRefused(reason: string): void;
  /** The text exposition, for `/metrics`. */
  render(): Promise<string>;
}

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, open: 1, half_open: 2 };

/**
 * Creates the metrics, in a registry of their own (so several runtimes can
 * live in one process). Names:
 * - `ameide_ext_invocation_duration_seconds` histogram {tenant_id, extension_id, version, kind, outcome}
 * - `ameide_ext_invocation_fuel` histogram {tenant_id, extension_id, version, kind}
 * - `ameide_ext_invocation_memory_bytes` histogram {tenant_id, extension_id, version, kind}: peak linear memory
 * - `ameide_ext_invocations_total` counter {tenant_id, extension_id, version, kind, outcome}
 * - `ameide_ext_invocation_errors_total` counter {tenant_id, extension_id, version, kind, code, reason}
 * - `ameide_ext_host_calls_total` counter {service, method, code}
 * - `ameide_ext_host_call_duration_seconds` histogram {service, method}
 * - `ameide_ext_module_cache_misses_total` counter {scheme, result}
 * - `ameide_ext_module_fetch_duration_seconds` histogram {scheme}
 * - `ameide_ext_integrity_failures_total` counter {tenant_id, extension_id, version, kind}
 * - `ameide_ext_catalog_loads_total` counter {result}, `ameide_ext_catalog_extensions` gauge
 * - `ameide_ext_catalog_fetch_failures_total` counter: polls of the catalog object that failed
 * - `ameide_ext_circuit_state` gauge {key}: 0 closed, 1 open, 2 half-open
 * - `ameide_ext_invocations_in_flight` gauge
 * - `ameide_ext_caller_refusals_total` counter {code, reason}: callers refused (no tenant label: the
 *   tenant is the caller's claim, and a refused caller must not grow the label sets)
 * - `ameide_ext_connections_refused_total` counter {reason}: connections closed by the timeouts and caps
 * - and prom-client's default process and Node.js metrics.
 */
export function createRuntimeMetrics(options: { defaultMetrics?: boolean } = {}): RuntimeMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const ext = ["tenant_id", "extension_id", "version", "kind"] as const;
  const duration = createTallyHistogram({
    name: "ameide_ext_invocation_duration_seconds",
    help: "Latency of InvokeExtension in the runtime, from request to response, by extension version and outcome.",
    labelNames: [...ext, "outcome"],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const fuel = createTallyHistogram({
    name: "ameide_ext_invocation_fuel",
    help: "Fuel (WebAssembly instructions) used per invocation.",
    labelNames: [...ext],
    buckets: [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10],
    registers: [registry],
  });
  const memory = createTallyHistogram({
    name: "ameide_ext_invocation_memory_bytes",
    help: "Peak linear memory of the guest per invocation, in bytes.",
    labelNames: [...ext],
    buckets: [65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864, 268_435_456, 1_073_741_824],
    registers: [registry],
  });
  const invocations = new Counter({
    name: "ameide_ext_invocations_total",
    help: "Invocations, by extension version and outcome (ok, business_error, technical_error).",
    labelNames: [...ext, "outcome"],
    registers: [registry],
  });
  const errors = new Counter({
    name: "ameide_ext_invocation_errors_total",
    help: "Technical errors, by extension version, code and reason.",
    labelNames: [...ext, "code", "reason"],
    registers: [registry],
  });
  const hostCalls = new Counter({
    name: "ameide_ext_host_calls_total",
    help: "Host calls made on behalf of guests, by service, method and result code.",
    labelNames: ["service", "method", "code"],
    registers: [registry],
  });
  const hostCallDuration = new Histogram({
    name: "ameide_ext_host_call_duration_seconds",
    help: "Latency of host calls.",
    labelNames: ["service", "method"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const cacheMisses = new Counter({
    name: "ameide_ext_module_cache_misses_total",
    help: "Modules fetched from the module store because the cache did not hold them (cold fetches).",
    labelNames: ["scheme", "result"],
    registers: [registry],
  });
  const fetchDuration = new Histogram({
    name: "ameide_ext_module_fetch_duration_seconds",
    help: "Time to fetch, verify and compile a module on a cache miss.",
    labelNames: ["scheme"],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const integrity = new Counter({
    name: "ameide_ext_integrity_failures_total",
    help: "Modules refused because their sha256 differs from the one in wasm_blob_ref.",
    labelNames: [...ext],
    registers: [registry],
  });
  const catalogLoads = new Counter({
    name: "ameide_ext_catalog_loads_total",
    help: "Catalog loads and hot reloads, by result (ok, invalid).",
    labelNames: ["result"],
    registers: [registry],
  });
  const catalogFetchFailures = new Counter({
    name: "ameide_ext_catalog_fetch_failures_total",
    help: "Polls of the catalog object (runtime.catalog.source) that failed; the catalog in force stayed.",
    registers: [registry],
  });
  const catalogSize = new Gauge({
    name: "ameide_ext_catalog_extensions",
    help: "Extension versions in the catalog in force.",
    registers: [registry],
  });
  const circuit = new Gauge({
    name: "ameide_ext_circuit_state",
    help: "Circuit breaker state per extension version (tenant/extension/version): 0 closed, 1 open, 2 half-open.",
    labelNames: ["key"],
    registers: [registry],
  });
  const refusals = new Counter({
    name: "ameide_ext_caller_refusals_total",
    help: "InvokeExtension calls refused before they ran: the caller not authenticated, or not allowed the context.",
    labelNames: ["code", "reason"],
    registers: [registry],
  });
  const connectionRefusals = new Counter({
    name: "ameide_ext_connections_refused_total",
    help: "Connections closed by the timeouts and caps of runtime.connections, by reason.",
    labelNames: ["reason"],
    registers: [registry],
  });
  // Kept in a number and read at scrape time: a gauge update costs a label hash, twice per invocation.
  let running = 0;
  new Gauge({
    name: "ameide_ext_invocations_in_flight",
    help: "Invocations being run.",
    registers: [registry],
    collect() {
      this.set(running);
    },
  });

  return {
    registry,
    invocation(labels, outcome, errorCode, errorReason, seconds, fuelUsed, memoryBytes) {
      duration.observe({ ...labels, outcome }, seconds);
      invocations.inc({ ...labels, outcome });
      if (labels.extension_id !== UNRESOLVED) {
        fuel.observe(labels, fuelUsed);
        memory.observe(labels, memoryBytes);
      }
      if (outcome === "technical_error") errors.inc({ ...labels, code: errorCode, reason: errorReason });
    },
    invocationsOfBatch(labels, runs) {
      const resolved = labels.extension_id !== UNRESOLVED;
      const fuelOf = resolved ? fuel.series(labels) : undefined;
      const memoryOf = resolved ? memory.series(labels) : undefined;
      let ok: HistogramSeries | undefined;
      let business: HistogramSeries | undefined;
      let oks = 0;
      for (const r of runs) {
        if (r.outcome === "ok") {
          ok ??= duration.series({ ...labels, outcome: "ok" });
          ok.observe(r.seconds);
          oks++;
        } else {
          business ??= duration.series({ ...labels, outcome: "business_error" });
          business.observe(r.seconds);
        }
        fuelOf?.observe(r.fuel);
        memoryOf?.observe(r.memoryBytes);
      }
      if (oks > 0) invocations.inc({ ...labels, outcome: "ok" }, oks);
      if (runs.length > oks) invocations.inc({ ...labels, outcome: "business_error" }, runs.length - oks);
    },
    hostCall(service, method, code, seconds) {
      hostCalls.inc({ service, method, code });
      hostCallDuration.observe({ service, method }, seconds);
    },
    coldFetch(scheme, seconds, ok) {
      cacheMisses.inc({ scheme, result: ok ? "ok" : "error" });
      fetchDuration.observe({ scheme }, seconds);
    },
    integrityFailure(labels) {
      integrity.inc(labels);
    },
    catalogLoad(ok, extensions) {
      catalogLoads.inc({ result: ok ? "ok" : "invalid" });
      if (extensions !== undefined) catalogSize.set(extensions);
    },
    catalogFetchFailed() {
      catalogFetchFailures.inc();
    },
    circuit(key, state) {
      circuit.set({ key }, CIRCUIT_VALUE[state]);
    },
    inflight(delta) {
      running += delta;
    },
    callerRefused(code, reason) {
      refusals.inc({ code, reason });
    },
    connectionRefused(reason) {
      connectionRefusals.inc({ reason });
    },
    render() {
      return registry.metrics();
    },
  };
}
