import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { createCatalog } from "../catalog/parse-catalog.js";
import { createCircuitBreakers } from "./circuit-breaker.js";
import { createRuntimeMetrics } from "./runtime-metrics.js";
import { BURN_ALERTS } from "./slo-burn.js";
import { createSloGuard } from "./slo-guard.js";

// deploy/prometheus/ameide-ext-rules.yaml: the SLOs as Prometheus alerting rules, over the runtime's metrics.
const RULES = fileURLToPath(new URL("../../../../deploy/prometheus/ameide-ext-rules.yaml", import.meta.url));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}

/** Every metric the runtime exports, histograms with their series' suffixes. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createRuntimeMetrics({ defaultMetrics: false });
  createSloGuard({
    breakers: createCircuitBreakers(),
    catalog: () => createCatalog({ extensions: [] }),
    registry: metrics.registry,
    logger: pino({ level: "silent" }),
  });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === "histogram")
      for (const s of ["_bucket", "_count", "_sum"]) names.add(`${m.name}${s}`);
  }
  return names;
}

/** The promtool on PATH, or Debian's; throws (never skips) when there is none, saying how to install it. */
function findPromtool(): string {
  const onPath = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).stdout.trim();
  if (onPath) return onPath;
  if (existsSync("/usr/bin/promtool")) return "/usr/bin/promtool";
  throw new Error(
    "promtool is not installed: run `node scripts/setup.mjs` (as root it installs Debian's prometheus) or `apt-get install -y prometheus`",
  );
}

describe("deploy/prometheus/ameide-ext-rules.yaml", () => {
  const doc = parseYaml(readFileSync(RULES, "utf8")) as { groups: Array<{ name: string; rules: Rule[] }> };
  const rules = doc.groups.flatMap((g) => g.rules);

  it("passes promtool check rules", () => {
    const r = spawnSync(findPromtool(), ["check", "rules", RULES], { encoding: "utf8" });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it("names only metrics the runtime exports, or series the file records", async () => {
    const exported = await exportedNames();
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    for (const rule of rules) {
      // Metric names, not label values: what is inside quotes is left out.
      const names = rule.expr.replace(/"[^"]*"/g, "").match(/\bameide_ext[a-zA-Z0-9_:]*/g) ?? [];
      expect(names.length, rule.alert ?? rule.record).toBeGreaterThan(0);
      for (const name of names)
        expect(exported.has(name) || recorded.has(name), `${rule.alert ?? rule.record}: ${name}`).toBe(true);
    }
  });

  it("alerts on the runtime's own thresholds: fast burn 14.4×, slow burn 6×, each with a severity", () => {
    const alerts = rules.filter((r) => r.alert);
    expect(alerts.map((r) => r.alert)).toEqual(
      expect.arrayContaining(["AmeideExtSloFastBurn", "AmeideExtSloSlowBurn", "AmeideExtFleetSloFastBurn"]),
    );
    const byName = new Map(alerts.map((r) => [r.alert, r]));
    expect(byName.get("AmeideExtSloFastBurn")?.expr).toContain(`>= ${BURN_ALERTS.fast.threshold}`);
    expect(byName.get("AmeideExtSloSlowBurn")?.expr).toContain(`>= ${BURN_ALERTS.slow.threshold}`);
    expect(byName.get("AmeideExtFleetSloFastBurn")?.expr).toContain(`>= ${BURN_ALERTS.fast.threshold}`);
    for (const a of alerts) expect(["page", "ticket"], a.alert).toContain(a.labels?.severity);
  });
});
