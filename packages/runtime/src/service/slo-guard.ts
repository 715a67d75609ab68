import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import type { Catalog, CatalogEntry } from "../catalog/parse-catalog.js";
import type { CircuitBreakers, CircuitPermit } from "./circuit-breaker.js";
import { extensionLabels } from "./runtime-metrics.js";
import { BURN_WINDOWS, type BurnCounter, type BurnRates, createBurnCounter } from "./slo-burn.js";

/** A permit of a version with an SLO: when it was admitted, for the latency objective. */
interface TimedPermit extends CircuitPermit {
  readonly startedAt: number;
}

/** What a fast burn of a version with `auto_rollback` reports to the registry. */
export interface SloBurnReport {
  /** The version burning. */
  entry: CatalogEntry;
  /** The environment the runtime serves (the catalog's `env`). */
  env: string;
  rates: BurnRates;
  /** The SLO, in words for the registry's event: "error_rate 0.01, p99_ms 20, window 1h". */
  slo: string;
}

/** Asks the registry to roll the environment back from a burning version (slo-rollback-client.ts). */
export type SloRollbackRequester = (report: SloBurnReport) => Promise<void>;

/** Options of {@link createSloGuard}. */
export interface SloGuardOptions {
  /** The breakers it wraps: a fast burn trips the version's. */
  breakers: CircuitBreakers;
  /** The catalog in force: which versions have an SLO. */
  catalog: () => Catalog;
  /** Where its metrics go (the runtime's). */
  registry: Registry;
  logger: Logger;
  /** Asks the registry to roll back; unset: a fast burn only trips the breaker. */
  rollback?: SloRollbackRequester | undefined;
  /** The clock, ms since the epoch. Default performance.timeOrigin + performance.now(). */
  now?: () => number;
}

/** The words of an SLO for logs and events. */
function sloWords(entry: CatalogEntry): string {
  const s = entry.slo;
  if (!s) return "";
  return `error_rate ${s.errorRate}${s.p99Ms === undefined ? "" : `, p99_ms ${s.p99Ms}`}, window ${s.window}`;
}

/**
 * SLOs that act (spec 479 §6.5): wraps the breakers so that every invocation a breaker admits is also
 * counted against its version's SLO (burn counters per version, slo-burn.ts; versions without an SLO cost a
 * map lookup). A fast burn trips the version's breaker and, when the SLO says `auto_rollback`, asks the
 * registry once to roll the environment back. Exposes the burn rates and the objectives as metrics:
 * - `ameide_ext_slo_burn_rate` gauge {tenant_id, extension_id, version, kind, alert_window}
 * - `ameide_ext_slo_objective` gauge {tenant_id, extension_id, version, kind, objective}: `error_rate`
 *   (a share) and `p99_seconds`
 * - `ameide_ext_slo_fast_burns_total` counter {tenant_id, extension_id, version, kind}
 */
export function createSloGuard(options: SloGuardOptions): CircuitBreakers {
  const { breakers, logger } = options;
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  const counters = new Map<string, BurnCounter>();
  const requested = new Set<string>();
  let indexed: Catalog | undefined;
  let byKey = new Map<string, CatalogEntry>();
  const entryOf = (key: string) => {
    const catalog = options.catalog();
    if (catalog !== indexed) {
      indexed = catalog;
      byKey = new Map(catalog.entries.filter((e) => e.slo).map((e) => [e.key, e]));
    }
    return byKey.get(key);
  };

  const fastBurns = new Counter({
    name: "ameide_ext_slo_fast_burns_total",
    help: "Fast burns of an extension version's SLO: each tripped its breaker.",
    labelNames: ["tenant_id", "extension_id", "version", "kind"],
    registers: [options.registry],
  });
  new Gauge({
    name: "ameide_ext_slo_burn_rate",
    help: "Error-budget burn rate of an extension version's SLO, by alert window (fast_long = the SLO's window W, fast_short W/12, slow_long 6W, slow_short W/2): 1 spends the budget exactly.",
    labelNames: ["tenant_id", "extension_id", "version", "kind", "alert_window"],
    registers: [options.registry],
    collect() {
      this.reset();
      const t = now();
      for (const [key, counter] of counters) {
        const entry = entryOf(key);
        if (!entry) continue;
        const rates = counter.rates(t);
        for (const w of BURN_WINDOWS) this.set({ ...extensionLabels(entry), alert_window: w }, rates[w]);
      }
    },
  });
  new Gauge({
    name: "ameide_ext_slo_objective",
    help: "An extension version's SLO from the catalog: error_rate (the share that may fail technically) and p99_seconds.",
    labelNames: ["tenant_id", "extension_id", "version", "kind", "objective"],
    registers: [options.registry],
    collect() {
      this.reset();
      entryOf("");
      for (const entry of byKey.values()) {
        const slo = entry.slo;
        if (!slo) continue;
        this.set({ ...extensionLabels(entry), objective: "error_rate" }, slo.errorRate);
        if (slo.p99Ms !== undefined)
          this.set({ ...extensionLabels(entry), objective: "p99_seconds" }, slo.p99Ms / 1000);
      }
    },
  });

  const onFastBurn = (entry: CatalogEntry, counter: BurnCounter, t: number) => {
    const rates = counter.rates(t);
    const slo = sloWords(entry);
    const why = `by its SLO (${slo}): a fast burn, ${rates.fast_long.toFixed(1)}× over ${entry.slo?.window} and ${rates.fast_short.toFixed(1)}× over its last twelfth`;
    if (breakers.state(entry.key) !== "open") {
      breakers.trip(entry.key, why);
      fastBurns.inc(extensionLabels(entry));
      logger.warn({ event: "slo_fast_burn", key: entry.key, slo, ...rates }, `${entry.key} ${why}`);
    }
    const env = options.catalog().env;
    if (!entry.slo?.autoRollback || !options.rollback || requested.has(entry.key) || env === undefined)
      return;
    requested.add(entry.key);
    options.rollback({ entry, env, rates, slo }).then(
      () =>
        logger.warn(
          { event: "slo_rollback_requested", key: entry.key, slo },
          `asked the registry to roll ${env} back from ${entry.key}`,
        ),
      (cause: unknown) => {
        requested.delete(entry.key); // the next burning invocation asks again
        logger.error(
          { event: "slo_rollback_failed", key: entry.key, err: (cause as Error).message },
          `the registry did not roll ${env} back from ${entry.key}: ${(cause as Error).message}`,
        );
      },
    );
  };

  return {
    admit(key) {
      const permit = breakers.admit(key);
      if (!entryOf(key)) return permit;
      // A permit of its own, stamped: cheaper than a side table keyed by permits.
      const timed: TimedPermit = { key: permit.key, probe: permit.probe, startedAt: performance.now() };
      return timed;
    },
    record(permit, failed) {
      breakers.record(permit, failed);
      const since = (permit as Partial<TimedPermit>).startedAt;
      if (since === undefined) return;
      const entry = entryOf(permit.key);
      if (!entry?.slo) return;
      const end = performance.now();
      const t = options.now ? options.now() : performance.timeOrigin + end;
      let counter = counters.get(permit.key);
      if (!counter) {
        counter = createBurnCounter(entry.slo);
        counters.set(permit.key, counter);
      }
      const latencyMs = end - since;
      counter.record(failed, latencyMs, t);
      // Only a bad invocation can start a burn: a good one costs no evaluation.
      const bad = failed || (entry.slo.p99Ms !== undefined && latencyMs > entry.slo.p99Ms);
      if (bad && counter.fastBurn(t)) onFastBurn(entry, counter, t);
    },
    trip: (key, why) => breakers.trip(key, why),
    state: (key) => breakers.state(key),
    prune(keep) {
      breakers.prune(keep);
      for (const key of [...counters.keys()]) if (!keep(key)) counters.delete(key);
    },
  };
}
