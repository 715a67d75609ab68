import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Outcome } from "@ameide-ext/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "../catalog/parse-catalog.js";
import { buildTestHook, captureLogger, invokeRequest, writeModule } from "../testing/service-fixtures.js";
import { createRuntime, type Runtime } from "./create-runtime.js";
import type { SloBurnReport } from "./slo-guard.js";

describe("createRuntime() and SLOs that act (catalog `slo`)", () => {
  let dir: string;
  let runtime: Runtime;
  let lines: Array<Record<string, unknown>>;
  const reports: SloBurnReport[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-slo-"));
    const ref = await writeModule(dir, "echo-1", await buildTestHook("echo", "1"));
    const base = {
      tenant_id: "acme",
      version: "1",
      kind: "process_hook",
      risk_tier: "low",
      wasm_blob_ref: ref,
    } as const;
    const captured = captureLogger();
    lines = captured.lines;
    runtime = await createRuntime({
      catalog: createCatalog({
        env: "dev",
        extensions: [
          { ...base, extension_id: "burner", slo: { error_rate: 0.01, window: "1h", auto_rollback: true } },
          { ...base, extension_id: "steady", slo: { error_rate: 0.5, p99_ms: 60_000 } },
          { ...base, extension_id: "plain" },
        ],
        // Consecutive failures never open these breakers here: only the SLO does.
        runtime: { preload: false, pool: { size: 1 }, circuit_breaker: { failure_threshold: 10_000 } },
      }),
      logger: captured.logger,
      defaultMetrics: false,
      sloRollback: async (report) => {
        reports.push(report);
      },
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const invoke = (extensionId: string, mode: "echo" | "trap") =>
    runtime.invokeExtension(invokeRequest({ extensionId, input: { mode } }));

  it("a fast burn (half the calls trap on a 1% SLO) trips the version's breaker and asks the registry once to roll back", async () => {
    let refused = 0;
    for (let i = 0; i < 30; i++) {
      const r = await invoke("burner", i % 2 === 0 ? "trap" : "echo");
      if (r.errorReason === "circuit_open") refused++;
    }
    expect(refused).toBeGreaterThan(0);
    const r = await invoke("burner", "echo");
    expect(r).toMatchObject({
      outcome: Outcome.TECHNICAL_ERROR,
      errorCode: "unavailable",
      errorReason: "circuit_open",
    });
    expect(r.errorMsg).toContain("SLO");
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ env: "dev", slo: "error_rate 0.01, window 1h" });
    expect(reports[0]?.entry.key).toBe("acme/burner/1");
    expect(reports[0]?.rates.fast_long).toBeGreaterThanOrEqual(14.4);
    expect(lines.some((l) => l.event === "slo_fast_burn" && l.key === "acme/burner/1")).toBe(true);
  });

  it("exposes the burn rates by alert window and the objectives as metrics", async () => {
    const text = await runtime.metrics.render();
    expect(text).toMatch(
      /ameide_ext_slo_burn_rate\{tenant_id="acme",extension_id="burner",version="1",kind="process",alert_window="fast_long"\} (\d+(\.\d+)?)/,
    );
    const fast = Number(/alert_window="fast_long"\} (\S+)/.exec(text)?.[1]);
    expect(fast).toBeGreaterThanOrEqual(14.4);
    expect(text).toMatch(
      /ameide_ext_slo_objective\{tenant_id="acme",extension_id="steady",version="1",kind="process",objective="p99_seconds"\} 60/,
    );
    expect(text).toMatch(
      /ameide_ext_slo_fast_burns_total\{tenant_id="acme",extension_id="burner",version="1",kind="process"\} 1/,
    );
  });

  it("leaves a version within its SLO, and one without an SLO, alone", async () => {
    for (let i = 0; i < 20; i++) {
      await invoke("steady", i % 4 === 0 ? "trap" : "echo");
      await invoke("plain", i % 2 === 0 ? "trap" : "echo");
    }
    expect(await invoke("steady", "echo")).toMatchObject({ outcome: Outcome.OK });
    expect(await invoke("plain", "echo")).toMatchObject({ outcome: Outcome.OK });
    expect(reports).toHaveLength(1);
  });
});
