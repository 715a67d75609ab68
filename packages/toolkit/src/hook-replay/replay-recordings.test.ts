import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CrmService } from "@ameide-ext/proto/testing";
import {
  createCatalog,
  createFileRecordingStore,
  createRuntime,
  type InvocationRecording,
  type Runtime,
  resolveRuntimeSettings,
} from "@ameide-ext/runtime";
import {
  buildTestHook,
  type CrmServiceHandle,
  captureLogger,
  invokeRequest,
  startCrmService,
  type TestHook,
  writeModule,
} from "@ameide-ext/runtime/testing/service";
import { createLocalJWKSet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeToolkitDeps } from "../toolkit-deps.js";
import { hookReplayModule } from "./hook-replay-module.js";
import { replayRecordings } from "./replay-recordings.js";

const TEMPLATE = new URL("../../../../templates/assemblyscript/process_hook/", import.meta.url);

const CRM = CrmService.typeName;

describe("replayRecordings()", () => {
  let dir: string;
  let runtime: Runtime;
  let crm: CrmServiceHandle;
  let v1: TestHook;
  let v2: TestHook;
  let caller: TestHook;
  const recorded: InvocationRecording[] = [];

  const record = async (extensionId: string, input: unknown) => {
    await runtime.invokeExtension(invokeRequest({ extensionId, input }));
    await new Promise((r) => setImmediate(r));
    await runtime.recordings?.flush();
    const store = createFileRecordingStore({ root: join(dir, "store") });
    const keys = await store.list(`recordings/acme/${extensionId}/`, { limit: 1000 });
    const doc = JSON.parse(
      new TextDecoder().decode(await store.get(keys.at(-1) as string)),
    ) as InvocationRecording;
    recorded.push(doc);
    return doc;
  };
  const bytesOf = (r: InvocationRecording) =>
    r.module_sha256 === v1.sha256 ? v1.bytes : r.module_sha256 === caller.sha256 ? caller.bytes : v2.bytes;
  const same = (recordings: InvocationRecording[]) =>
    replayRecordings({
      recordings: recordings.map((recording) => ({ source: recording.id, recording })),
      moduleFor: async (r) => ({ label: "recorded", bytes: bytesOf(r) }),
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-replay-"));
    v1 = await buildTestHook("echo", "1");
    v2 = await buildTestHook("echo", "2");
    caller = await buildTestHook("caller");
    crm = await startCrmService((header, token) => createLocalJWKSet(runtime.jwks)(header, token));
    const entry = async (id: string, hook: TestHook, extra: object = {}) => ({
      tenant_id: "acme",
      extension_id: id,
      version: "1",
      kind: "process_hook" as const,
      risk_tier: "low" as const,
      wasm_blob_ref: await writeModule(dir, id, hook),
      limits: { timeout_ms: 5_000 },
      recording: { sample: 1 },
      ...extra,
    });
    const section = { preload: false, pool: { size: 1 }, recordings: { location: join(dir, "store") } };
    runtime = await createRuntime({
      catalog: createCatalog({
        extensions: [
          await entry("echo", v1),
          await entry("secret", v1, { recording: { sample: 1, sensitive_input: true } }),
          await entry("caller", caller, {
            risk_tier: "high",
            host_calls: [{ service: CRM, method: "GetCustomer", read_only: true }],
          }),
        ],
        host_services: { [CRM]: { url: crm.url } },
        runtime: section,
      }),
      settings: resolveRuntimeSettings(section),
      logger: captureLogger("warn").logger,
      defaultMetrics: false,
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await crm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("gives the recorded output, error and fuel, bit for bit, against the same module", async () => {
    const docs = [
      await record("echo", { amount: 72000 }),
      await record("echo", { mode: "spin", n: 500 }),
      await record("echo", { mode: "fail" }),
      await record("echo", { mode: "trap" }),
    ];
    const report = await same(docs);
    expect(report.results.map((r) => [r.status, r.differences])).toEqual(docs.map(() => ["identical", []]));
    expect(report).toMatchObject({ mode: "same", total: 4, replayed: 4, identical: 4, mismatches: 0 });
    for (const r of report.results) expect(r.replayed?.fuel_used).toBe(r.recorded.fuel_used);
    expect(report.fuel.delta).toBe(0);
  });

  it("answers host calls from the recording, in order, and runs identically", async () => {
    const doc = await record("caller", {
      calls: [
        { service: CRM, method: "GetCustomer", request: { customerId: "c-1" } },
        { service: CRM, method: "GetCustomer", request: { customerId: "nobody" } },
      ],
    });
    expect(doc.host_calls).toHaveLength(2);
    const report = await same([doc]);
    expect(report.results[0]).toMatchObject({ status: "identical", host_call_problems: [] });
  });

  it("reports a mismatch when the recording and the run differ (output, fuel, host calls)", async () => {
    const doc = recorded[0] as InvocationRecording;
    const tampered = [
      { ...doc, output_json: '{"echo":{"amount":1}}' },
      { ...doc, stats: { ...doc.stats, fuel_used: doc.stats.fuel_used + 1 } },
      {
        ...doc,
        host_calls: [{ service: CRM, method: "GetCustomer", request_json: "{}", response_json: "{}" }],
      },
    ];
    const report = await same(tampered);
    expect(report.results.map((r) => r.differences)).toEqual([["output"], ["fuel"], ["host_calls"]]);
    expect(report.mismatches).toBe(3);
    expect(report.results[1]?.fuel_delta).toBe(-1);
  });

  it("refuses a module whose sha256 is not the recording's (failed_precondition / integrity)", async () => {
    await expect(
      replayRecordings({
        recordings: [{ source: "x", recording: recorded[0] as InvocationRecording }],
        moduleFor: async () => ({ label: "recorded", bytes: v2.bytes }),
      }),
    ).rejects.toMatchObject({ reason: "integrity" });
  });

  it("skips a recording whose input is sensitive", async () => {
    const doc = await record("secret", { mode: "spin", n: 1 });
    const report = await same([doc]);
    expect(report.results[0]).toMatchObject({ status: "skipped", skipped_reason: "sensitive_input" });
    expect(report.skipped).toBe(1);
  });

  it("against another module: reports the changed outputs, the new errors and the fuel deltas", async () => {
    const docs = recorded.filter((r) => r.extension_id === "echo");
    const report = await replayRecordings({
      recordings: docs.map((recording) => ({ source: recording.id, recording })),
      moduleFor: async () => ({ label: "version 2", bytes: v2.bytes }),
      against: "version 2",
    });
    // v2 answers {"echo", "version": "2"}: the plain echo changes; spin, fail and trap do not.
    expect(report.results.map((r) => r.status)).toEqual(["changed", "unchanged", "unchanged", "unchanged"]);
    expect(report.results[0]?.differences).toContain("output");
    expect(report).toMatchObject({ mode: "against", against: "version 2", changed: 1, new_errors: 0 });
    expect(report.summary).toBe("version 2 changes 1 of the last 4 recorded decisions");
    expect(typeof report.results[1]?.fuel_delta).toBe("number");
  });

  it("against a hook folder: builds it and runs it with its manifest's limits and policy", async () => {
    const hookDir = join(dir, "deal-approval");
    await cp(TEMPLATE, hookDir, { recursive: true });
    const module = await hookReplayModule("deal-approval", createNodeToolkitDeps(dir));
    expect(module.label).toBe("deal-approval");
    expect(module.limits).toEqual({ cpuMillis: 5, memoryMb: 16, timeoutMs: 50 });
    expect(module.policy).toMatchObject({ riskTier: "low", allow: [] });
    const docs = recorded.filter((r) => r.extension_id === "echo").slice(0, 1);
    const report = await replayRecordings({
      recordings: docs.map((recording) => ({ source: recording.id, recording })),
      moduleFor: async () => module,
      against: module.label,
    });
    // The deal rule does not echo: the decision changed, and its fuel is its own.
    expect(report).toMatchObject({ mode: "against", against: "deal-approval", changed: 1 });
    expect(report.results[0]?.replayed?.fuel_used).not.toBe(report.results[0]?.recorded.fuel_used);
  }, 120_000);
});
