import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvokeExtensionBatchRequestSchema, Outcome } from "@ameide-ext/proto";
import { CrmService } from "@ameide-ext/proto/testing";
import { create } from "@bufbuild/protobuf";
import { createLocalJWKSet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogFile } from "../catalog/catalog-schema.js";
import { createCatalog } from "../catalog/parse-catalog.js";
import { createRuntime, type Runtime } from "../service/create-runtime.js";
import { resolveRuntimeSettings } from "../service/runtime-settings.js";
import { createFileRecordingStore, type RecordingStore } from "../store/recording-store.js";
import { createS3RecordingStore, S3_RECORDING_WRITERS } from "../store/s3-recording-store.js";
import { recordingsInto } from "../testing/recordings-fixture.js";
import {
  buildTestHook,
  type CrmServiceHandle,
  captureLogger,
  invokeRequest,
  startCrmService,
  writeModule,
} from "../testing/service-fixtures.js";
import { checkRecording, type InvocationRecording, parseRecordingKey } from "./invocation-recording.js";
import { MAX_RECORDING_WRITERS } from "./invocation-recordings.js";

const CRM = CrmService.typeName;

/** Every recording under `root`, parsed, oldest first. */
async function recordingsIn(root: string): Promise<Array<{ key: string; doc: InvocationRecording }>> {
  const out: Array<{ key: string; doc: InvocationRecording }> = [];
  const store = createFileRecordingStore({ root });
  for (const key of await store.list("recordings/", { limit: 10_000 })) {
    const bytes = (await store.get(key)) as Uint8Array;
    out.push({ key, doc: checkRecording(JSON.parse(new TextDecoder().decode(bytes)), key) });
  }
  return out;
}

/**
 * Waits until the runtime has recorded what it answered and written the recordings: the invocation
 * recorder writes on later turns (at most 1 ms of the thread each, so under load more than one), and a
 * metrics render records all it holds first; then the recordings' writes are flushed.
 */
async function settled(rt: Runtime): Promise<void> {
  await rt.metrics.render();
  await rt.recordings?.flush();
}

describe("recorded invocations", () => {
  let dir: string;
  let root: string;
  let runtime: Runtime;
  let crm: CrmServiceHandle;

  const makeRuntime = async (file: CatalogFile, recordingsRoot: string) =>
    createRuntime({
      catalog: createCatalog(file),
      settings: resolveRuntimeSettings({
        ...file.runtime,
        recordings: { ...file.runtime?.recordings, location: recordingsRoot },
      }),
      logger: captureLogger().logger,
      defaultMetrics: false,
    });

  let catalog: CatalogFile;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-recordings-"));
    root = join(dir, "store");
    const echo = await writeModule(dir, "echo", await buildTestHook("echo", "1"));
    const caller = await writeModule(dir, "caller", await buildTestHook("caller"));
    crm = await startCrmService((header, token) => createLocalJWKSet(runtime.jwks)(header, token));
    const entry = (id: string, ref: string, extra: object = {}) => ({
      tenant_id: "acme",
      extension_id: id,
      version: "1",
      kind: "process_hook" as const,
      risk_tier: "low" as const,
      wasm_blob_ref: ref,
      limits: { timeout_ms: 2_000 },
      ...extra,
    });
    catalog = {
      env: "prod",
      extensions: [
        entry("sampled-out", echo, { recording: { sample: 0 } }),
        entry("always", echo, { recording: { sample: 1 } }),
        entry("secret", echo, { recording: { sample: 1, sensitive_input: true } }),
        entry("caller", caller, {
          risk_tier: "high",
          recording: { sample: 1 },
          host_calls: [{ service: CRM, method: "GetCustomer", read_only: true }],
        }),
      ],
      host_services: { [CRM]: { url: crm.url } },
      runtime: { preload: false, pool: { size: 1 } },
    };
    runtime = await makeRuntime(catalog, root);
  });
  afterAll(async () => {
    await runtime?.close();
    await crm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("records every error, and no success of a version sampled at 0", async () => {
    const ok = await runtime.invokeExtension(invokeRequest({ extensionId: "sampled-out", input: { a: 1 } }));
    const fail = await runtime.invokeExtension(
      invokeRequest({ extensionId: "sampled-out", input: { mode: "fail" } }),
    );
    const trap = await runtime.invokeExtension(
      invokeRequest({ extensionId: "sampled-out", input: { mode: "trap" } }),
    );
    expect([ok.outcome, fail.outcome, trap.outcome]).toEqual([
      Outcome.OK,
      Outcome.BUSINESS_ERROR,
      Outcome.TECHNICAL_ERROR,
    ]);
    // The recorder runs on the turn after the answers.
    await settled(runtime);
    const docs = (await recordingsIn(root)).filter((r) => r.doc.extension_id === "sampled-out");
    expect(docs.map((r) => r.doc.outcome).sort()).toEqual(["business_error", "technical_error"]);
    const business = docs.find((r) => r.doc.outcome === "business_error")?.doc;
    expect(business?.error).toMatchObject({ code: "REFUSED" });
    expect(business?.input_json).toBe('{"mode":"fail"}');
    const technical = docs.find((r) => r.doc.outcome === "technical_error")?.doc;
    expect(technical?.error?.code).toBe("resource_exhausted");
  });

  it("records a sampled success with its input, context, version, module sha256, output, fuel and memory, under recordings/<tenant>/<extension>/<version>/", async () => {
    const res = await runtime.invokeExtension(
      invokeRequest({ extensionId: "always", input: { amount: 72000 }, ctx: { correlationId: "c-9" } }),
    );
    await settled(runtime);
    const [rec] = (await recordingsIn(root)).filter((r) => r.doc.extension_id === "always");
    expect(rec).toBeDefined();
    const { key, doc } = rec as { key: string; doc: InvocationRecording };
    expect(parseRecordingKey(key)).toMatchObject({ tenantId: "acme", extensionId: "always", version: "1" });
    expect(doc).toMatchObject({
      tenant_id: "acme",
      requested_version: "latest",
      version: "1",
      module_sha256: res.moduleSha256,
      input_json: '{"amount":72000}',
      input_sensitive: false,
      outcome: "ok",
      output_json: new TextDecoder().decode(res.outputJson),
      ctx: { tenantId: "acme", correlationId: "c-9", userId: "u-1" },
      host_calls: [],
    });
    expect(doc.stats.fuel_used).toBe(Number(res.stats?.fuelUsed));
    expect(doc.stats.peak_memory_bytes).toBe(Number(res.stats?.peakMemoryBytes));
    expect(doc.stats.fuel_used).toBeGreaterThan(0);
  });

  it("keeps only the sha256 of a sensitive input", async () => {
    await runtime.invokeExtension(
      invokeRequest({ extensionId: "secret", input: { mode: "spin", n: 1, ssn: "123-45-6789" } }),
    );
    await settled(runtime);
    const [rec] = (await recordingsIn(root)).filter((r) => r.doc.extension_id === "secret");
    expect(rec?.doc.input_json).toBeNull();
    expect(rec?.doc.input_sensitive).toBe(true);
    expect(rec?.doc.input_sha256).toMatch(/^[0-9a-f]{64}$/);
    const raw = await readFile(join(root, rec?.key as string), "utf8");
    expect(raw).not.toContain("123-45-6789");
  });

  it("records the host calls in order, each with the answer or the error the guest got", async () => {
    const res = await runtime.invokeExtension(
      invokeRequest({
        extensionId: "caller",
        input: {
          calls: [
            { service: CRM, method: "GetCustomer", request: { customerId: "c-1" } },
            { service: CRM, method: "GetCustomer", request: { customerId: "nobody" } },
          ],
        },
      }),
    );
    expect(res.outcome).toBe(Outcome.OK);
    await settled(runtime);
    const [rec] = (await recordingsIn(root)).filter((r) => r.doc.extension_id === "caller");
    const calls = rec?.doc.host_calls ?? [];
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      service: CRM,
      method: "GetCustomer",
      request_json: '{"customerId":"c-1"}',
    });
    expect(JSON.parse(calls[0]?.response_json as string)).toMatchObject({
      customerId: "c-1",
      tenantId: "acme",
    });
    expect(calls[1]?.error?.code).toBe("not_found");
    expect(calls[1]?.response_json).toBeUndefined();
  });

  it("records each input of a batch as its own invocation: its errors and sampled successes, each with its own host calls", async () => {
    const batch = (extensionId: string, inputs: unknown[]) =>
      create(InvokeExtensionBatchRequestSchema, {
        extensionId,
        version: "latest",
        ctx: { tenantId: "acme", userId: "u-1", actorType: "USER", correlationId: "batch-1" },
        inputsJson: inputs.map((i) => new TextEncoder().encode(JSON.stringify(i))),
      });
    const low = await runtime.invokeExtensionBatch(
      batch("sampled-out", [{ b: 1 }, { mode: "fail", b: 2 }, { mode: "trap", b: 3 }]),
    );
    expect(low.results.map((r) => r.outcome)).toEqual([
      Outcome.OK,
      Outcome.BUSINESS_ERROR,
      Outcome.TECHNICAL_ERROR,
    ]);
    const call = (customerId: string) => ({
      calls: [{ service: CRM, method: "GetCustomer", request: { customerId } }],
    });
    const high = await runtime.invokeExtensionBatch(batch("caller", [call("c-7"), call("c-8")]));
    expect(high.results.map((r) => r.outcome)).toEqual([Outcome.OK, Outcome.OK]);
    await settled(runtime);
    const all = await recordingsIn(root);
    const lows = all.filter(
      (r) => r.doc.ctx.correlationId === "batch-1" && r.doc.extension_id === "sampled-out",
    );
    expect(lows.map((r) => r.doc.input_json).sort()).toEqual([
      '{"mode":"fail","b":2}',
      '{"mode":"trap","b":3}',
    ]);
    const highs = all.filter((r) => r.doc.ctx.correlationId === "batch-1" && r.doc.extension_id === "caller");
    expect(highs).toHaveLength(2);
    for (const { doc } of highs) {
      const customer = (JSON.parse(doc.input_json as string) as ReturnType<typeof call>).calls[0]?.request
        .customerId;
      expect(doc.host_calls.map((h) => h.request_json)).toEqual([`{"customerId":"${customer}"}`]);
    }
  });

  it("drops, and counts, a recording over max_bytes and those past the tenant's bytes for the day", async () => {
    const small = join(dir, "small");
    const rt = await makeRuntime(
      {
        ...catalog,
        runtime: { ...catalog.runtime, recordings: { max_bytes: 2048, tenant_daily_bytes: 4096 } },
      },
      small,
    );
    try {
      await rt.invokeExtension(invokeRequest({ extensionId: "always", input: { pad: "x".repeat(3000) } }));
      for (let i = 0; i < 6; i++)
        await rt.invokeExtension(invokeRequest({ extensionId: "always", input: { i } }));
      await settled(rt);
      const metrics = await rt.metrics.render();
      expect(metrics).toMatch(/ameide_ext_recordings_dropped_total\{reason="too_large"\} 1/);
      expect(metrics).toMatch(/ameide_ext_recordings_dropped_total\{reason="tenant_daily_cap"\} [1-9]/);
      const kept = await recordingsIn(small);
      const bytes = kept.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r.doc)), 0);
      expect(kept.length).toBeGreaterThan(0);
      expect(bytes).toBeLessThanOrEqual(4096);
    } finally {
      await rt.close();
    }
  });

  it("drops, and counts, recordings past a full queue, and still answers", async () => {
    const queued = join(dir, "queued");
    const rt = await makeRuntime(
      { ...catalog, runtime: { ...catalog.runtime, recordings: { queue: 1 } } },
      queued,
    );
    try {
      const all = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          rt.invokeExtension(invokeRequest({ extensionId: "always", input: { i } })),
        ),
      );
      expect(all.every((r) => r.outcome === Outcome.OK)).toBe(true);
      await settled(rt);
      expect(await rt.metrics.render()).toMatch(
        /ameide_ext_recordings_dropped_total\{reason="queue_full"\} [1-9]/,
      );
      expect((await readdir(join(queued, "recordings", "acme", "always", "1"))).length).toBeGreaterThan(0);
    } finally {
      await rt.close();
    }
  });

  it("records nothing when no location is set (no store root)", async () => {
    const rt = await createRuntime({
      catalog: createCatalog(catalog),
      logger: captureLogger().logger,
      defaultMetrics: false,
    });
    expect(rt.recordings).toBeUndefined();
    await rt.close();
  });
});

describe("createInvocationRecordings(): writes", () => {
  /** A store whose put takes 20 ms and that counts the most puts in flight; `writers` as it declares. */
  const slowStore = (writers: number | undefined) => {
    const seen = { inFlight: 0, most: 0, keys: new Set<string>() };
    const store: RecordingStore = {
      location: "slow",
      ...(writers === undefined ? {} : { writers }),
      async put(key) {
        seen.most = Math.max(seen.most, ++seen.inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen.keys.add(key);
        seen.inFlight--;
      },
      list: async () => [],
      get: async () => undefined,
    };
    return { store, seen };
  };

  it("keeps as many writes in flight as the store takes, so its latency does not bound recordings per second to one over it", async () => {
    const { store, seen } = slowStore(4);
    const { recordings, registry, offerFailures } = recordingsInto(store);
    offerFailures(12);
    await recordings.flush();
    expect(seen.most).toBe(4);
    expect(seen.keys.size).toBe(12);
    expect(await registry.metrics()).toMatch(/ameide_ext_recordings_written_total 12\b/);
    await recordings.close();
  });

  it(`writes one at a time into a store that says nothing, and never more than ${MAX_RECORDING_WRITERS} at once`, async () => {
    for (const [writers, expected] of [
      [undefined, 1],
      [0, 1],
      [-3, 1],
      [Number.NaN, 1],
      [1_000, MAX_RECORDING_WRITERS],
    ] as const) {
      const { store, seen } = slowStore(writers);
      const { recordings, offerFailures } = recordingsInto(store);
      offerFailures(MAX_RECORDING_WRITERS + 4);
      await recordings.flush();
      expect(seen.most, `writers ${writers}`).toBe(expected);
      expect(seen.keys.size).toBe(MAX_RECORDING_WRITERS + 4);
      await recordings.close();
    }
  });

  it("an S3 store takes several writes at once, a file store one", () => {
    const s3 = createS3RecordingStore({
      bucket: "extensions",
      endpoint: "http://127.0.0.1:9",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
    expect(s3.writers).toBe(S3_RECORDING_WRITERS);
    expect(S3_RECORDING_WRITERS).toBeGreaterThan(1);
    expect(createFileRecordingStore({ root: tmpdir() }).writers ?? 1).toBe(1);
    s3.close?.();
  });

  it("gives a failed write's bytes back to its tenant's day: a store that fails does not use up the tenant's recordings", async () => {
    // One recording's size, as written.
    let size = 0;
    const sizing = recordingsInto({
      location: "sizing",
      put: async (_key, bytes) => {
        size = bytes.length;
      },
      list: async () => [],
      get: async () => undefined,
    });
    sizing.offerFailures(1);
    await sizing.recordings.flush();
    await sizing.recordings.close();
    // Room for two recordings a day; the first two writes fail, the next two must still fit.
    let puts = 0;
    const failingFirst: RecordingStore = {
      location: "failing-first",
      async put() {
        if (++puts <= 2) throw new Error("the store is down");
      },
      list: async () => [],
      get: async () => undefined,
    };
    const { recordings, offerFailures, counts } = recordingsInto(failingFirst, {
      tenantDailyBytes: 2 * size + 8,
    });
    offerFailures(4);
    await recordings.flush();
    expect(await counts()).toEqual({ written: 2, dropped: { store_error: 2 }, total: 4 });
    await recordings.close();
  });

  it("releases its store once, however often it is closed, and a store whose close throws does not fail the close", async () => {
    let closes = 0;
    const { recordings } = recordingsInto({
      location: "closing",
      put: async () => {},
      list: async () => [],
      get: async () => undefined,
      close() {
        closes++;
        throw new Error("already closed");
      },
    });
    await expect(recordings.close(10)).resolves.toBeUndefined();
    await expect(recordings.close(10)).resolves.toBeUndefined();
    expect(closes).toBe(1);
  });

  it("counts a write that fails as a store_error drop and goes on with the others", async () => {
    let n = 0;
    const flaky: RecordingStore = {
      location: "flaky",
      async put() {
        if (n++ % 2 === 0) throw new Error("no space left");
      },
      list: async () => [],
      get: async () => undefined,
    };
    const { recordings, registry, offerFailures } = recordingsInto(flaky);
    offerFailures(6);
    await recordings.flush();
    const text = await registry.metrics();
    expect(text).toMatch(/ameide_ext_recordings_written_total 3\b/);
    expect(text).toMatch(/ameide_ext_recordings_dropped_total\{reason="store_error"\} 3\b/);
    await recordings.close();
  });
});

describe("createInvocationRecordings().close()", () => {
  it("never waits on a store that hangs longer than its grace: every recording not written is dropped as shutdown, those in flight too", async () => {
    const hanging = {
      location: "nowhere",
      writers: 4,
      put: () => new Promise<void>(() => {}),
      list: async () => [],
      get: async () => undefined,
    };
    const { recordings, registry, offerFailures } = recordingsInto(hanging);
    // More than the writers: 4 in flight (hanging), 2 queued.
    offerFailures(6);
    const started = performance.now();
    await recordings.close(100);
    expect(performance.now() - started).toBeLessThan(1_000);
    const text = await registry.metrics();
    expect(text).toMatch(/ameide_ext_recordings_dropped_total\{reason="shutdown"\} 6\b/);
    expect(text).toMatch(/ameide_ext_recordings_written_total 0\b/);
  });

  it("counts a write that ends after the grace as dropped (shutdown), never also as written", async () => {
    let finish: () => void = () => {};
    const late: RecordingStore = {
      location: "late",
      put: () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
      list: async () => [],
      get: async () => undefined,
    };
    const { recordings, registry, offerFailures } = recordingsInto(late);
    offerFailures(1);
    await new Promise((resolve) => setImmediate(resolve));
    await recordings.close(20);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    const text = await registry.metrics();
    expect(text).toMatch(/ameide_ext_recordings_dropped_total\{reason="shutdown"\} 1\b/);
    expect(text).toMatch(/ameide_ext_recordings_written_total 0\b/);
  });
});
