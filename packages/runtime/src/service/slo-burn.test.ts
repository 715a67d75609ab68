import { describe, expect, it } from "vitest";
import type { SloSpec } from "../catalog/parse-catalog.js";
import { createBurnCounter, MIN_EVENTS_TO_ALARM } from "./slo-burn.js";

const HOUR = 3_600_000;
const slo = (extra: Partial<SloSpec> = {}): SloSpec => ({
  errorRate: 0.01,
  p99Ms: undefined,
  windowMs: HOUR,
  window: "1h",
  autoRollback: false,
  ...extra,
});

describe("createBurnCounter()", () => {
  it("burns at (error share / error_rate) over each window: 20% errors on a 1% SLO is 20×", () => {
    const c = createBurnCounter(slo());
    const t0 = 10 * HOUR;
    for (let i = 0; i < 100; i++) c.record(i % 5 === 0, 1, t0 + i);
    expect(c.rates(t0 + 100)).toEqual({ fast_long: 20, fast_short: 20, slow_long: 20, slow_short: 20 });
    expect(c.fastBurn(t0 + 100)).toBe(true);
    expect(c.slowBurn(t0 + 100)).toBe(true);
  });

  it("a burst that is over no longer burns fast: the short window (W/12 = 5 min) has moved on", () => {
    const c = createBurnCounter(slo());
    const t0 = 10 * HOUR;
    for (let i = 0; i < 50; i++) c.record(true, 1, t0 + i);
    const later = t0 + 6 * 60_000;
    for (let i = 0; i < 20; i++) c.record(false, 1, later + i);
    const rates = c.rates(later + 100);
    expect(rates.fast_long).toBeGreaterThan(14.4);
    expect(rates.fast_short).toBe(0);
    expect(c.fastBurn(later + 100)).toBe(false);
  });

  it("does not alarm on fewer than MIN_EVENTS_TO_ALARM invocations, however they failed", () => {
    const c = createBurnCounter(slo());
    for (let i = 0; i < MIN_EVENTS_TO_ALARM - 1; i++) c.record(true, 1, HOUR + i);
    expect(c.fastBurn(HOUR + 100)).toBe(false);
    c.record(true, 1, HOUR + 200);
    expect(c.fastBurn(HOUR + 300)).toBe(true);
  });

  it("counts invocations slower than p99_ms against a 1% latency budget", () => {
    const c = createBurnCounter(slo({ p99Ms: 20 }));
    for (let i = 0; i < 100; i++) c.record(false, i < 10 ? 50 : 5, HOUR + i);
    expect(c.rates(HOUR + 100).fast_long).toBeCloseTo(10);
    expect(c.fastBurn(HOUR + 100)).toBe(false);
    expect(c.slowBurn(HOUR + 100)).toBe(true);
  });

  it("scales to the window: for W = 10m the fast short window is 50 s", () => {
    const c = createBurnCounter(slo({ windowMs: 600_000, window: "10m" }));
    for (let i = 0; i < 20; i++) c.record(true, 1, HOUR + i);
    expect(c.fastBurn(HOUR + 100)).toBe(true);
    expect(c.fastBurn(HOUR + 60_000)).toBe(false);
    expect(c.shortEvents(HOUR + 60_000)).toBe(0);
  });

  it("forgets what is older than 6W (the ring's slots are reused)", () => {
    const c = createBurnCounter(slo());
    for (let i = 0; i < 20; i++) c.record(true, 1, HOUR + i);
    expect(c.rates(HOUR + 7 * HOUR)).toEqual({ fast_long: 0, fast_short: 0, slow_long: 0, slow_short: 0 });
  });
});
