import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestHook, spawnRuntime, writeModule } from "../testing/service-fixtures.js";

// `AMEIDE_RUNTIME_PRELOAD=false` (runtime.preload: false): modules are fetched and compiled on first use,
// not at start; the process is ready at once. With preload on (the default) they are before `ready`.
describe("ameide-ext-runtime's preload setting", () => {
  let dir: string;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-main-preload-"));
    const echo = await writeModule(dir, "echo", await buildTestHook("echo", "1"));
    config = join(dir, "catalog.yaml");
    await writeFile(
      config,
      [
        "env: dev",
        "runtime: { pool: { size: 1 }, auth: { mode: insecure_local } }",
        "extensions:",
        `  - { tenant_id: acme, extension_id: echo, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${echo}" }`,
        "",
      ].join("\n"),
    );
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const loadedBeforeReady = async (preload: "true" | "false") => {
    const rt = await spawnRuntime(config, ["--port", "0"], {
      AMEIDE_RUNTIME_PRELOAD: preload,
      AMEIDE_RUNTIME_LOG_LEVEL: "debug",
    });
    try {
      await rt.waitForLog((l) => l.event === "ready");
      // Whatever a stray preload pass would log has time to arrive.
      await new Promise((r) => setTimeout(r, 1_000));
      return rt.logs.some((l) => l.event === "module_loaded");
    } finally {
      await rt.stop();
    }
  };

  it("with preload off, fetches and compiles nothing at start", async () => {
    expect(await loadedBeforeReady("false")).toBe(false);
  }, 60_000);

  it("with preload on, has every module loaded by then", async () => {
    expect(await loadedBeforeReady("true")).toBe(true);
  }, 60_000);
});
