import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RuntimeProcess, spawnRuntime, writeModule } from "../testing/service-fixtures.js";
import { guest, watComponent } from "../testing/wat-component.js";

const PATH = "/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension";
// 400k turns of a memory.grow(0) loop take ~200 ms of wall time. Before the cost model they cost ~4.4M
// fuel, within a 1 ms slice: cheap in fuel, slow in time (issue #10 item 2c), and this test failed. Now
// each grow is charged (COST_MODEL.memoryGrow), so the slice runs out and the call goes to the pool; the
// budget (cpu_millis 500) lets the whole loop finish there. Either way, the service's thread stays free.
const SLICE_US = 1000;
const GROW_TURNS = 400_000;
const GROW_ZERO_LOOP = guest(
  `(local $i i32)
  (loop $l
    (drop (memory.grow (i32.const 0)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br_if $l (i32.lt_u (local.get $i) (i32.const ${GROW_TURNS}))))
  (call $ok (i32.const 1024) (i32.const 2))`,
  `(data (i32.const 1024) "{}")`,
);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

describe("ameide-ext-runtime, a low-tier guest that is slow in time (a memory.grow(0) loop)", () => {
  let dir: string;
  let rt: RuntimeProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-stall-"));
    const bytes = await watComponent(GROW_ZERO_LOOP);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const wasm = await writeModule(dir, "grow", { bytes, sha256 });
    const config = join(dir, "catalog.yaml");
    await writeFile(
      config,
      [
        "env: dev",
        `runtime: { pool: { size: 1 }, inline_slice_us: ${SLICE_US}, auth: { mode: insecure_local } }`,
        "extensions:",
        `  - { tenant_id: acme, extension_id: grow, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${wasm}",`,
        "      limits: { cpu_millis: 500, timeout_ms: 5000 } }",
        "",
      ].join("\n"),
    );
    rt = await spawnRuntime(config, ["--port", "0"]);
    await rt.waitForLog((l) => l.event === "ready");
  });
  afterAll(async () => {
    await rt?.stop("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps /healthz within 50 ms (p99) while the guest is invoked in a loop", {
    timeout: 20_000,
  }, async () => {
    const url = rt.url as string;
    let stop = false;
    let invocations = 0;
    const hostile = (async () => {
      while (!stop) {
        const res = await fetch(`${url}${PATH}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            extension_id: "grow",
            version: "1",
            ctx: { tenant_id: "acme" },
            input_json: btoa("{}"),
          }),
        });
        const json = (await res.json()) as { outcome?: string };
        expect(json.outcome).toBe("OUTCOME_OK");
        invocations++;
      }
    })();
    const latencies: number[] = [];
    // 5 s of probes (~300): p99 then tolerates a few slow ones, the one the first hostile run holds and
    // the odd spike of a 2-core machine shared with other suites, not a stall per invocation.
    const until = performance.now() + 5000;
    while (performance.now() < until) {
      const started = performance.now();
      const res = await fetch(`${url}/healthz`);
      await res.text();
      expect(res.status).toBe(200);
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
    stop = true;
    await hostile;
    expect(invocations).toBeGreaterThan(2);
    // The first inline run ran out of its slice (its fuel, or its wall time before the cost model) and sent
    // the version to the pool: at most one probe waited on it.
    expect(percentile(latencies, 99), `${latencies.length} probes, ${invocations} invocations`).toBeLessThan(
      50,
    );
    // It never held the thread past its slice twice: at most one overrun was logged for it.
    expect(
      rt.logs.filter((l) => l.event === "inline_overrun" && l.key === "acme/grow/1").length,
    ).toBeLessThan(2);
  });
});

const BATCH_PATH = "/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtensionBatch";
// A loop of plain arithmetic: a few hundred microseconds a run, well within a 1 ms slice of fuel, so every
// input of a batch may run inline; 1,000 of them are a few hundred milliseconds of the service's thread.
const WORK_TURNS = 200_000;
const WORK_LOOP = guest(
  `(local $i i32) (local $x i32)
  (loop $l
    (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 31)) (local.get $i)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br_if $l (i32.lt_u (local.get $i) (i32.const ${WORK_TURNS}))))
  (call $ok (i32.const 1024) (i32.const 2))`,
  `(data (i32.const 1024) "{}")`,
);
const QUICK = guest("(call $ok (i32.const 1024) (i32.const 2))", `(data (i32.const 1024) "{}")`);

describe("ameide-ext-runtime, 1,000-input batches of slow guests against another tenant's single calls", () => {
  let dir: string;
  let rt: RuntimeProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-stall-batch-"));
    const refs: Record<string, string> = {};
    for (const [name, wat, tenant] of [
      ["work", WORK_LOOP, "acme"],
      ["grow", GROW_ZERO_LOOP, "acme"],
      ["quick", QUICK, "globex"],
    ] as const) {
      const bytes = await watComponent(wat);
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      refs[name] = await writeModule(dir, name, { bytes, sha256 }, tenant);
    }
    const config = join(dir, "catalog.yaml");
    await writeFile(
      config,
      [
        "env: dev",
        // Two workers: a batch holds at most one (its pool inputs go one at a time), so globex's calls that
        // go to the pool while the thread is busy find the other free, not queued behind a grow run.
        `runtime: { pool: { size: 2 }, inline_slice_us: ${SLICE_US}, log_level: warn, auth: { mode: insecure_local } }`,
        "extensions:",
        ...(["work", "grow"] as const).map(
          (id) =>
            `  - { tenant_id: acme, extension_id: ${id}, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${refs[id]}", limits: { cpu_millis: 500, timeout_ms: 5000 } }`,
        ),
        `  - { tenant_id: globex, extension_id: quick, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${refs.quick}" }`,
        "",
      ].join("\n"),
    );
    rt = await spawnRuntime(config, ["--port", "0"]);
    await rt.waitForLog((l) => l.event === "ready");
  });
  afterAll(async () => {
    await rt?.stop("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps globex's single calls within 50 ms (p99) while acme sends 1,000-input batches", {
    timeout: 30_000,
  }, async () => {
    const url = rt.url as string;
    const post = async (path: string, body: unknown, timeoutMs?: number) => {
      const res = await fetch(`${url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(timeoutMs === undefined ? {} : { "connect-timeout-ms": String(timeoutMs) }),
        },
        body: JSON.stringify(body),
      });
      return (await res.json()) as Record<string, unknown>;
    };
    const inputs = Array.from({ length: 1000 }, () => btoa("{}"));
    let stop = false;
    const outcomes: Record<string, number> = {};
    let batches = 0;
    const hostile = (async () => {
      for (let turn = 0; !stop; turn++) {
        const extensionId = turn % 2 === 0 ? "work" : "grow";
        const json = await post(
          BATCH_PATH,
          { extension_id: extensionId, version: "1", ctx: { tenant_id: "acme" }, inputs_json: inputs },
          3_000,
        );
        const results = json.results as Array<{ outcome?: string; error_reason?: string }>;
        expect(results).toHaveLength(1000);
        for (const r of results) {
          const key = `${extensionId}:${r.outcome}${r.error_reason ? `/${r.error_reason}` : ""}`;
          outcomes[key] = (outcomes[key] ?? 0) + 1;
        }
        batches++;
      }
    })();
    const latencies: number[] = [];
    const until = performance.now() + 6000;
    while (performance.now() < until) {
      const started = performance.now();
      const json = await post(PATH, {
        extension_id: "quick",
        version: "1",
        ctx: { tenant_id: "globex" },
        input_json: btoa("{}"),
      });
      expect(json.outcome).toBe("OUTCOME_OK");
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
    stop = true;
    await hostile;
    const seen = `${latencies.length} calls, ${batches} batches, ${JSON.stringify(outcomes)}`;
    // Every input of the work batches ran and answered; the grow batches ran what their deadline allowed.
    expect(outcomes["work:OUTCOME_OK"], seen).toBeGreaterThanOrEqual(1000);
    expect(outcomes["grow:OUTCOME_OK"], seen).toBeGreaterThan(0);
    expect(percentile(latencies, 99), seen).toBeLessThan(50);
  });
});
