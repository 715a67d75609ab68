import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../testing/seeded-random.js";
import { createTallyHistogram } from "./tally-histogram.js";

const config = (registry: Registry) => ({
  name: "t_duration_seconds",
  help: "A histogram under test.",
  labelNames: ["tenant_id", "outcome"],
  buckets: [0.0001, 0.001, 0.01, 0.1, 1],
  registers: [registry],
});

describe("createTallyHistogram()", () => {
  it("serves the exposition prom-client's Histogram serves for the same observations, line by line", async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram(config(theirs));
    const tally = createTallyHistogram(config(ours));
    const next = seededRandom(12);
    const labelSets = [
      { tenant_id: "acme", outcome: "ok" },
      { tenant_id: "acme", outcome: "business_error" },
      { tenant_id: "globex", outcome: "ok" },
    ];
    for (let i = 0; i < 2_000; i++) {
      const labels = labelSets[Math.floor(next() * labelSets.length)] as (typeof labelSets)[number];
      // Values on the bounds, between them, above the last (+Inf only) and zero.
      const pick = next();
      const v = pick < 0.1 ? 0.01 : pick < 0.15 ? 3 : pick < 0.2 ? 0 : next() ** 4;
      reference.observe(labels, v);
      if (i % 2 === 0) tally.observe(labels, v);
      else tally.series(labels).observe(v);
    }
    expect((await ours.metrics()).split("\n")).toEqual((await theirs.metrics()).split("\n"));
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it("serves HELP and TYPE and no series before its first observation, as prom-client does", async () => {
    const theirs = new Registry();
    const ours = new Registry();
    new Histogram(config(theirs));
    createTallyHistogram(config(ours));
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it("counts nothing for a value that is not a finite number (prom-client would throw on the recorder's turn)", async () => {
    const registry = new Registry();
    const tally = createTallyHistogram(config(registry));
    tally.observe({ tenant_id: "acme", outcome: "ok" }, Number.NaN);
    tally.observe({ tenant_id: "acme", outcome: "ok" }, Number.POSITIVE_INFINITY);
    tally.observe({ tenant_id: "acme", outcome: "ok" }, 0.5);
    expect(await registry.metrics()).toContain('t_duration_seconds_count{tenant_id="acme",outcome="ok"} 1');
  });

  it("refuses a label it was not given, and the reserved label le", () => {
    const tally = createTallyHistogram(config(new Registry()));
    expect(() => tally.observe({ tenant_id: "acme", outcome: "ok", extra: "x" }, 1)).toThrow(/extra/);
    expect(() => createTallyHistogram({ ...config(new Registry()), labelNames: ["le"] })).toThrow(/le/);
  });
});
