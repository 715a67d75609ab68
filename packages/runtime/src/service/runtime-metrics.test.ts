import { describe, expect, it } from "vitest";
import { createRuntimeMetrics, type ExtensionLabels, UNRESOLVED_LABELS } from "./runtime-metrics.js";

const labels: ExtensionLabels = {
  tenant_id: "acme",
  extension_id: "invoice-line",
  version: "3",
  kind: "process",
};

/** 500 runs of a batch: mostly ok, some business errors, latencies and fuel across the buckets. */
function runs() {
  return Array.from({ length: 500 }, (_, i) => ({
    outcome: i % 7 === 3 ? ("business_error" as const) : ("ok" as const),
    seconds: ((i * 37) % 1000) / 200_000 + (i === 10 ? 0.0005 : 0),
    fuel: 1_000 + ((i * 7919) % 40_000),
    memoryBytes: i % 50 === 0 ? 131_072 : 65_536,
  }));
}

describe("createRuntimeMetrics()", () => {
  it("counts a batch's inputs (invocationsOfBatch) exactly as one invocation() each: counts, buckets and sums", async () => {
    const one = createRuntimeMetrics({ defaultMetrics: false });
    const batch = createRuntimeMetrics({ defaultMetrics: false });
    for (const r of runs()) one.invocation(labels, r.outcome, "", "", r.seconds, r.fuel, r.memoryBytes);
    batch.invocationsOfBatch(labels, runs());
    const text = await batch.render();
    expect(text).toBe(await one.render());
    expect(text).toContain(
      'ameide_ext_invocations_total{tenant_id="acme",extension_id="invoice-line",version="3",kind="process",outcome="ok"} 429',
    );
    expect(text).toContain(
      'ameide_ext_invocation_fuel_count{tenant_id="acme",extension_id="invoice-line",version="3",kind="process"} 500',
    );
  });

  it("leaves fuel and memory out for inputs that resolved to no extension, in a batch as one by one", async () => {
    const one = createRuntimeMetrics({ defaultMetrics: false });
    const batch = createRuntimeMetrics({ defaultMetrics: false });
    for (const r of runs())
      one.invocation(UNRESOLVED_LABELS, r.outcome, "", "", r.seconds, r.fuel, r.memoryBytes);
    batch.invocationsOfBatch(UNRESOLVED_LABELS, runs());
    const text = await batch.render();
    expect(text).toBe(await one.render());
    expect(text).not.toContain("ameide_ext_invocation_fuel_count");
  });

  it("serves the histograms' names, label names and buckets the dashboards and alert rules read", async () => {
    const m = createRuntimeMetrics({ defaultMetrics: false });
    m.invocation(labels, "technical_error", "resource_exhausted", "fuel", 0.003, 5_000_000, 70_000);
    const text = await m.render();
    const series = 'tenant_id="acme",extension_id="invoice-line",version="3",kind="process"';
    for (const line of [
      "# TYPE ameide_ext_invocation_duration_seconds histogram",
      `ameide_ext_invocation_duration_seconds_bucket{le="0.0025",${series},outcome="technical_error"} 0`,
      `ameide_ext_invocation_duration_seconds_bucket{le="0.005",${series},outcome="technical_error"} 1`,
      `ameide_ext_invocation_duration_seconds_bucket{le="+Inf",${series},outcome="technical_error"} 1`,
      `ameide_ext_invocation_duration_seconds_sum{${series},outcome="technical_error"} 0.003`,
      "# TYPE ameide_ext_invocation_fuel histogram",
      `ameide_ext_invocation_fuel_bucket{le="1000000",${series}} 0`,
      `ameide_ext_invocation_fuel_bucket{le="10000000",${series}} 1`,
      "# TYPE ameide_ext_invocation_memory_bytes histogram",
      `ameide_ext_invocation_memory_bytes_bucket{le="65536",${series}} 0`,
      `ameide_ext_invocation_memory_bytes_bucket{le="262144",${series}} 1`,
      `ameide_ext_invocation_errors_total{${series},code="resource_exhausted",reason="fuel"} 1`,
    ])
      expect(text.split("\n")).toContain(line);
  });
});
