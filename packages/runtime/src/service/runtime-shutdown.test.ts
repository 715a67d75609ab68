import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestHook, RUNTIME_DIR, writeModule } from "../testing/service-fixtures.js";

const PATH = "/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension";
const GRACE_MS = 1000;
/** Startup of node and the exit itself, on a loaded 2-core machine. */
const MARGIN_MS = 3000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the runtime did not get ready within 60 s");
}

describe("ameide-ext-runtime shutdown with nobody reading its stdout", () => {
  let dir: string;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-shutdown-"));
    const echo = await writeModule(dir, "echo", await buildTestHook("echo", "1"));
    config = join(dir, "catalog.yaml");
    await writeFile(
      config,
      [
        "env: dev",
        `runtime: { pool: { size: 1 }, shutdown_grace_ms: ${GRACE_MS}, auth: { mode: insecure_local } }`,
        "extensions:",
        `  - { tenant_id: acme, extension_id: echo, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${echo}" }`,
        "",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("exits within its drain time on SIGTERM though its stdout pipe is full (regression: flushSync hung)", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ["--conditions=source", "--import", "tsx", join(RUNTIME_DIR, "src", "service", "main.ts")],
      {
        cwd: RUNTIME_DIR,
        env: {
          ...process.env,
          AMEIDE_RUNTIME_CONFIG: config,
          AMEIDE_RUNTIME_PORT: String(port),
          AMEIDE_RUNTIME_LOG_LEVEL: "info",
        },
        // stdout is a pipe that this test never reads: it fills up and stays full.
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    child.stdout.pause();
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitReady(url);
      // Each call logs ~2.3 KB (a 2,000-character guest line plus the invocation line): ~700 KB in all,
      // far over a pipe's 64 KiB.
      const body = JSON.stringify({
        extension_id: "echo",
        version: "1",
        ctx: { tenant_id: "acme", user_id: "u-1", actor_type: "USER" },
        input_json: btoa('{"mode":"log"}'),
      });
      for (let i = 0; i < 300; i++) {
        const res = await fetch(`${url}${PATH}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      const started = performance.now();
      child.kill("SIGTERM");
      const code = await Promise.race([
        exited,
        new Promise<"hung">((r) => setTimeout(() => r("hung"), GRACE_MS + MARGIN_MS)),
      ]);
      const tookMs = performance.now() - started;
      expect(code, `took ${Math.round(tookMs)} ms`).not.toBe("hung");
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    }
  }, 120_000);
});
