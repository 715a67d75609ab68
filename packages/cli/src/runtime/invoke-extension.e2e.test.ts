// `ameide-ext invoke` as a caller meets it: a runtime process started here (from the runtime's sources, the
// echo test hook in its catalog), the CLI a process run from a folder under the one where `dev` keeps its
// `.ameide-dev/config.json`, which it finds by walking up.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildTestHook,
  type RuntimeProcess,
  spawnRuntime,
  writeModule,
} from "@ameide-ext/runtime/testing/service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCliDocument, spawnCli } from "../testing/cli-process.js";

describe("ameide-ext invoke, against a runtime process", () => {
  let work: string;
  let sub: string;
  let rt: RuntimeProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-invoke-"));
    const echo = await writeModule(work, "echo", await buildTestHook("echo", "1"));
    const catalog = join(work, "catalog.yaml");
    await writeFile(
      catalog,
      [
        "env: dev",
        "runtime: { pool: { size: 1 }, auth: { mode: insecure_local } }",
        "extensions:",
        `  - { tenant_id: acme, extension_id: echo, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${echo}", limits: { timeout_ms: 2000 } }`,
        "",
      ].join("\n"),
    );
    rt = await spawnRuntime(catalog, ["--port", "0"]);
    await mkdir(join(work, ".ameide-dev"));
    // What `ameide-ext dev` writes, with the runtime's URL.
    await writeFile(
      join(work, ".ameide-dev", "config.json"),
      JSON.stringify({ registry_url: "http://127.0.0.1:9", token: "t", tenant: "acme", runtime_url: rt.url }),
    );
    sub = join(work, "hooks", "echo");
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, "in.json"), '{"amount":72000}');
    await writeFile(join(sub, "loop.json"), '{"mode":"loop"}');
    await writeFile(join(sub, "bad.json"), "{not json");
    env = { HOME: join(work, "no-home"), AMEIDE_CONFIG: "", AMEIDE_REGISTRY_URL: "", AMEIDE_TOKEN: "" };
  }, 120_000);

  afterAll(async () => {
    await rt?.stop("SIGKILL");
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("encodes the input, prints the output on stdout, and finds the runtime in .ameide-dev/config.json above the cwd", async () => {
    const run = await spawnCli(["invoke", "echo", "--input", "in.json"], { cwd: sub, env });
    expect(run.stderr).toContain("fuel");
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ echo: { amount: 72000 }, version: "1" });
  }, 60_000);

  it("--json prints one document: outcome, output, resolved version, stats", async () => {
    const run = await spawnCli(["invoke", "echo", "--input", "in.json", "--version", "1", "--json"], {
      cwd: sub,
      env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(parseCliDocument(run.stdout, "invoke")).toMatchObject({
      ok: true,
      error: null,
      extensionId: "echo",
      outcome: "ok",
      output: { echo: { amount: 72000 }, version: "1" },
      resolvedVersion: "1",
      stats: { fuelUsed: expect.any(Number), fuelLimit: expect.any(Number) },
    });
  }, 60_000);

  it("a technical error exits 1 with its code and reason; an unknown extension is not_found", async () => {
    const loop = await spawnCli(["invoke", "echo", "--input", "loop.json", "--json"], { cwd: sub, env });
    expect(loop.code).toBe(1);
    expect(parseCliDocument(loop.stdout, "invoke")).toMatchObject({
      ok: false,
      output: null,
      outcome: "technical_error",
      error: { code: "resource_exhausted", reason: "fuel" },
    });
    const missing = await spawnCli(["invoke", "nope", "--input", "in.json", "--json"], { cwd: sub, env });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, error: { code: "not_found" } });
  }, 60_000);

  it("refuses an input file that is not JSON, or no runtime URL, with exit 2 before calling", async () => {
    const bad = await spawnCli(["invoke", "echo", "--input", "bad.json", "--json"], { cwd: sub, env });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    const nowhere = await spawnCli(["invoke", "echo", "--input", join(sub, "in.json"), "--json"], {
      cwd: tmpdir(),
      env,
    });
    expect(nowhere.code).toBe(2);
    const doc = JSON.parse(nowhere.stdout) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe("invalid_argument");
    expect(doc.error.message).toContain(".ameide-dev/config.json");
  }, 60_000);
});
