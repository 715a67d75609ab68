import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvokeExtensionRequestSchema, WasmExtensionRuntime } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildTestHook,
  type RuntimeProcess,
  spawnRuntime,
  writeModule,
} from "../testing/service-fixtures.js";

// Issue #10 item 8: "two deadline_exceeded on a trivial guest under a cold burst of 1,000 concurrent requests".
const BURST = 1000;
const CONNECTIONS = 8;
const encoder = new TextEncoder();

describe("ameide-ext-runtime, a cold burst", () => {
  let dir: string;
  let rt: RuntimeProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-burst-"));
    const echo = await writeModule(dir, "echo", await buildTestHook("echo", "1"));
    const config = join(dir, "catalog.yaml");
    // The trivial guest with the default limits (timeout_ms 100), and the pool of the bench's load (6 workers).
    await writeFile(
      config,
      [
        "env: dev",
        "runtime: { pool: { size: 6 }, auth: { mode: insecure_local } }",
        "extensions:",
        `  - { tenant_id: acme, extension_id: echo, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${echo}" }`,
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

  it("answers every call of 1,000 sent at once right after ready: queueing is never charged to a guest's timeout_ms", {
    timeout: 60_000,
  }, async () => {
    const url = rt.url as string;
    const sessions = Array.from({ length: CONNECTIONS }, () => new Http2SessionManager(url));
    const clients = sessions.map((sessionManager) =>
      createClient(
        WasmExtensionRuntime,
        createConnectTransport({ baseUrl: url, httpVersion: "2", sessionManager }),
      ),
    );
    const outcomes: Record<string, number> = {};
    try {
      await Promise.all(
        Array.from({ length: BURST }, async (_, i) => {
          let outcome: string;
          try {
            const res = await (clients[i % CONNECTIONS] as (typeof clients)[number]).invokeExtension(
              create(InvokeExtensionRequestSchema, {
                extensionId: "echo",
                version: "1",
                ctx: { tenantId: "acme", userId: "u-1", actorType: "USER" },
                inputJson: encoder.encode(JSON.stringify({ n: i })),
              }),
              // A caller's deadline that a 2-core machine drains 1,000 calls well within.
              { timeoutMs: 30_000 },
            );
            outcome = res.errorCode === "" ? "ok" : `${res.errorCode}/${res.errorReason}`;
          } catch (e) {
            outcome = `rpc ${ConnectError.from(e).code}`;
          }
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        }),
      );
    } finally {
      for (const s of sessions) s.abort();
    }
    expect(outcomes).toEqual({ ok: BURST });
  });
});
