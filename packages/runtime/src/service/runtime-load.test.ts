import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODULE_SHAPE_CAPS } from "@ameide-ext/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildTestHook,
  type RuntimeProcess,
  spawnRuntime,
  writeModule,
} from "../testing/service-fixtures.js";
import { guest, watComponent } from "../testing/wat-component.js";

const ECHO = "(call $ok (local.get $ptr) (local.get $len))";
/**
 * A hostile catalog entry, slow to load: 20,000 functions to instrument and
 * compile (under the cap) and a start function of ~90 million instructions
 * through a table (under the start's fuel): about a second of load work.
 */
const SLOW_LOAD = `${"(func (result i32) (i32.add (i32.const 1) (i32.const 2)))\n".repeat(20_000)}
  (type $step (func (param i32) (result i32)))
  (table $steps 1 funcref)
  (elem (table $steps) (i32.const 0) func $dec)
  (func $dec (param $i i32) (result i32) (i32.sub (local.get $i) (i32.const 1)))
  (func $burn (local $i i32)
    (local.set $i (i32.const 10000000))
    (loop $spin (br_if $spin (local.tee $i (call_indirect $steps (type $step) (local.get $i) (i32.const 0))))))
  (start $burn)`;

const hook = (bytes: Uint8Array) => ({ bytes, sha256: createHash("sha256").update(bytes).digest("hex") });
const entry = (id: string, ref: string) =>
  `  - { tenant_id: acme, extension_id: ${id}, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${ref}", limits: { timeout_ms: 2000 } }`;

/** GETs `url` every 10 ms until `done` settles: the slowest answer, in milliseconds. */
async function slowestAnswer(url: string, done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  let slowest = 0;
  while (!finished) {
    const started = performance.now();
    const res = await fetch(url);
    await res.text();
    expect(res.status).toBe(200);
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((r) => setTimeout(r, 10));
  }
  return slowest;
}

describe("ameide-ext-runtime, loading a hostile catalog entry (issue #10, item 4)", () => {
  let dir: string;
  let rt: RuntimeProcess;
  let config: string;
  let echo: string;
  /** The catalog with the hostile entries, written by the first test while it probes /healthz. */
  let hostile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-load-"));
    echo = await writeModule(dir, "echo", await buildTestHook("echo", "1"));
    config = join(dir, "catalog.yaml");
    const head = [
      "env: dev",
      "runtime: { pool: { size: 1 }, auth: { mode: insecure_local } }",
      "extensions:",
    ];
    await writeFile(config, [...head, entry("echo", echo), ""].join("\n"));
    rt = await spawnRuntime(config, ["--port", "0"], { AMEIDE_RUNTIME_LOG_LEVEL: "debug" });
    await rt.waitForLog((l) => l.event === "ready");
    const slow = await writeModule(dir, "slow", hook(await watComponent(guest(ECHO, SLOW_LOAD))));
    const fat = `(func $fat ${"(local i32) ".repeat(MODULE_SHAPE_CAPS.localsPerFunction + 1)})`;
    const tooComplex = await writeModule(dir, "too-complex", hook(await watComponent(guest(ECHO, fat))));
    // Warm the loader (its worker boots on the first load) before the reload under test.
    const warm = await writeModule(dir, "warm", await buildTestHook("echo", "warm"));
    await writeFile(config, [...head, entry("echo", echo), entry("warm", warm), ""].join("\n"));
    await rt.waitForLog((l) => l.event === "module_loaded" && l.key === "acme/warm/1", 60_000);
    hostile = [...head, entry("echo", echo), entry("slow", slow), entry("too-complex", tooComplex), ""].join(
      "\n",
    );
  }, 120_000);
  afterAll(async () => {
    await rt?.stop("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("answers /healthz within 50 ms while the reloaded catalog's slow entry loads, then serves it", async () => {
    const loaded = rt.waitForLog(
      (l) => (l.event === "module_loaded" || l.event === "module_fetch_failed") && l.key === "acme/slow/1",
      60_000,
    );
    const started = performance.now();
    const probing = slowestAnswer(`${rt.url}/healthz`, loaded);
    await writeFile(config, hostile);
    const slowest = await probing;
    const took = performance.now() - started;
    // A baseline in the same run: the same probe while nothing loads (this machine is shared and noisy).
    const idle = await slowestAnswer(
      `${rt.url}/healthz`,
      new Promise((r) => setTimeout(r, Math.min(took, 2_000))),
    );
    console.log(
      `hostile load took ${took.toFixed(0)} ms; slowest /healthz ${slowest.toFixed(1)} ms (idle baseline ${idle.toFixed(1)} ms)`,
    );
    expect((await loaded).event).toBe("module_loaded");
    expect(took).toBeGreaterThan(200);
    // 50 ms plus what this shared 2-core machine adds to an idle probe; on a crowded machine, at least
    // never a wait for the load itself (before the fix: 343 ms of a 581 ms load, the part the probe saw).
    expect(slowest).toBeLessThan(Math.max(50 + 2 * idle, took / 4));
  });

  it("refuses the entry over a shape cap with its reason, and keeps serving the others", async () => {
    const failed = await rt.waitForLog(
      (l) => l.event === "module_fetch_failed" && l.key === "acme/too-complex/1",
      60_000,
    );
    expect({ code: failed.error_code, reason: failed.error_reason }).toEqual({
      code: "invalid_argument",
      reason: "module_too_complex",
    });
    const res = await fetch(`${rt.url}/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        extension_id: "slow",
        version: "1",
        ctx: { tenant_id: "acme", user_id: "u-1", actor_type: "USER" },
        input_json: Buffer.from("[7]").toString("base64"),
      }),
    });
    const json = (await res.json()) as { outcome: string; outputJson: string };
    expect(json.outcome).toBe("OUTCOME_OK");
    expect(Buffer.from(json.outputJson, "base64").toString()).toBe("[7]");
  });
});
