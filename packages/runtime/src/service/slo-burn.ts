import type { SloSpec } from "../catalog/parse-catalog.js";

/**
 * The multi-window, multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs"), scaled to the
 * SLO's window W: a fast burn is the budget burning 14.4 times too fast over W and over W/12 (1h and 5m for
 * W = 1h), a slow burn 6 times too fast over 6W and W/2 (6h and 30m). Both windows of a pair must burn, so
 * a burst that is over does not alarm, and a long window alone does not keep alarming after a fix.
 */
export const BURN_ALERTS = Object.freeze({
  fast: { long: 1, short: 1 / 12, threshold: 14.4 },
  slow: { long: 6, short: 1 / 2, threshold: 6 },
});

/** The names of the four windows, as the metrics label them (`alert_window`). */
export const BURN_WINDOWS = ["fast_long", "fast_short", "slow_long", "slow_short"] as const;
/** One of {@link BURN_WINDOWS}. */
export type BurnWindow = (typeof BURN_WINDOWS)[number];

/** Buckets per window W: counts per minute for W = 1h. */
export const BUCKETS_PER_WINDOW = 60;
/** Buckets kept: the slow burn's long window, 6W. */
const RING = BUCKETS_PER_WINDOW * BURN_ALERTS.slow.long;
/** The fewest invocations a short window must hold to alarm: one failure among three calls is no burn. */
export const MIN_EVENTS_TO_ALARM = 10;
/** The share of invocations a p99 latency objective lets be slower than it. */
const LATENCY_BUDGET = 0.01;

/** The burn rates of one version, by window: the larger of the error-rate and the latency burn. */
export type BurnRates = Record<BurnWindow, number>;

/** Counts of one version per bucket: a ring over 6W, each slot stamped with the bucket it holds. */
export interface BurnCounter {
  /** Counts one finished invocation: `failed` a technical error that counts against the extension. */
  record(failed: boolean, latencyMs: number, nowMs: number): void;
  /** The burn rates at `nowMs`. */
  rates(nowMs: number): BurnRates;
  /** Invocations counted in the fast short window at `nowMs`. */
  shortEvents(nowMs: number): number;
  /** True when both fast windows burn at or over 14.4× and the short one holds enough invocations. */
  fastBurn(nowMs: number): boolean;
  /** True when both slow windows burn at or over 6× and the short one holds enough invocations. */
  slowBurn(nowMs: number): boolean;
}

/** Creates the counter of one version under `slo`. Memory: 4 arrays of 360 numbers. */
export function createBurnCounter(slo: SloSpec): BurnCounter {
  const bucketMs = slo.windowMs / BUCKETS_PER_WINDOW;
  const stamp = new Float64Array(RING).fill(-1);
  const total = new Uint32Array(RING);
  const errors = new Uint32Array(RING);
  const slow = new Uint32Array(RING);

  /** Sums over the `n` newest buckets at `nowMs`. */
  const sum = (n: number, nowMs: number) => {
    const current = Math.floor(nowMs / bucketMs);
    let t = 0;
    let e = 0;
    let s = 0;
    for (let b = current - n + 1; b <= current; b++) {
      const i = ((b % RING) + RING) % RING;
      if (stamp[i] !== b) continue;
      t += total[i] as number;
      e += errors[i] as number;
      s += slow[i] as number;
    }
    return { t, e, s };
  };
  const burn = (n: number, nowMs: number) => {
    const { t, e, s } = sum(n, nowMs);
    if (t === 0) return 0;
    const errorBurn = e / t / slo.errorRate;
    const latencyBurn = slo.p99Ms === undefined ? 0 : s / t / LATENCY_BUDGET;
    return Math.max(errorBurn, latencyBurn);
  };
  const buckets = (share: number) => Math.max(1, Math.round(BUCKETS_PER_WINDOW * share));
  const alarm = (a: { long: number; short: number; threshold: number }, nowMs: number) =>
    sum(buckets(a.short), nowMs).t >= MIN_EVENTS_TO_ALARM &&
    burn(buckets(a.short), nowMs) >= a.threshold &&
    burn(buckets(a.long), nowMs) >= a.threshold;

  return {
    record(failed, latencyMs, nowMs) {
      const b = Math.floor(nowMs / bucketMs);
      const i = b % RING;
      if (stamp[i] !== b) {
        stamp[i] = b;
        total[i] = 0;
        errors[i] = 0;
        slow[i] = 0;
      }
      total[i]++;
      if (failed) errors[i]++;
      if (slo.p99Ms !== undefined && latencyMs > slo.p99Ms) slow[i]++;
    },
    rates(nowMs) {
      return {
        fast_long: burn(buckets(BURN_ALERTS.fast.long), nowMs),
        fast_short: burn(buckets(BURN_ALERTS.fast.short), nowMs),
        slow_long: burn(buckets(BURN_ALERTS.slow.long), nowMs),
        slow_short: burn(buckets(BURN_ALERTS.slow.short), nowMs),
      };
    },
    shortEvents(nowMs) {
      return sum(buckets(BURN_ALERTS.fast.short), nowMs).t;
    },
    fastBurn: (nowMs) => alarm(BURN_ALERTS.fast, nowMs),
    slowBurn: (nowMs) => alarm(BURN_ALERTS.slow, nowMs),
  };
}
