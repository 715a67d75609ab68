// `ameide-ext dev` as a process whose stderr (the services' logs) nobody reads: SIGTERM still ends it.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI_MAIN = fileURLToPath(new URL("../../cli/src/main.ts", import.meta.url));
const LOADER = fileURLToPath(
  new URL("../../toolkit/src/testing/register-source-loader.mjs", import.meta.url),
);
const PATH = "/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension";
/** The stack's drain (DEV_DRAIN_MS, 2 s), the registry's cancel wait (1 s) and the log flush (0.5 s). */
const BOUND_MS = 3500;
/** Node's exit on a loaded 2-core machine. */
const MARGIN_MS = 2500;

describe("ameide-ext dev, the process", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-dev-stop-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("stops within its drain time on SIGTERM though nobody reads its logs (regression: a full stderr pipe blocked it)", async () => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        LOADER,
        CLI_MAIN,
        "dev",
        "--dir",
        join(work, ".stack"),
        "--registry-port",
        "0",
        "--runtime-port",
        "0",
        "--json",
      ],
      { cwd: work, env: { ...process.env, NO_COLOR: "1", HOME: work }, stdio: ["ignore", "pipe", "pipe"] },
    );
    // stderr, where both services log, is a pipe this test never reads.
    child.stderr.pause();
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        out += d;
      });
      const deadline = Date.now() + 60_000;
      while (!out.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const doc = JSON.parse(out) as { runtimeUrl: string; runtimeToken: string; tenant: string };
      // One invocation log line each (~400 bytes): far over a pipe's 64 KiB.
      const body = JSON.stringify({
        extension_id: "nope",
        version: "latest",
        ctx: { tenant_id: doc.tenant, user_id: "u-1", actor_type: "USER" },
        input_json: btoa("{}"),
      });
      // It keeps serving meanwhile: a call that got no answer in 5 s means the stack is stuck on its log.
      let answered = 0;
      for (let i = 0; i < 400; i++) {
        const res = await fetch(`${doc.runtimeUrl}${PATH}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${doc.runtimeToken}` },
          body,
          signal: AbortSignal.timeout(5000),
        }).catch(() => undefined);
        if (!res) break;
        await res.arrayBuffer();
        answered++;
      }
      expect(answered).toBe(400);
      const started = performance.now();
      child.kill("SIGTERM");
      const code = await Promise.race([
        exited,
        new Promise<"hung">((r) => setTimeout(() => r("hung"), BOUND_MS + MARGIN_MS)),
      ]);
      expect(code, `after ${Math.round(performance.now() - started)} ms`).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    }
  }, 120_000);
});
