import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import {
  type InvokeExtensionBatchRequest,
  InvokeExtensionBatchRequestSchema,
  InvokeExtensionRequestSchema,
  Outcome,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogFile } from "../catalog/catalog-schema.js";
import { createCatalog } from "../catalog/parse-catalog.js";
import { createEngine } from "../engine/create-engine.js";
import { buildTestHook, captureLogger, writeModule } from "../testing/service-fixtures.js";
import { guest, watComponent } from "../testing/wat-component.js";
import { createRuntime, type Runtime } from "./create-runtime.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A guest that counts its runs in a global and answers the count: "1" every time when each run starts fresh. */
const COUNTER = guest(
  `(global.set $n (i32.add (global.get $n) (i32.const 1)))
  (i32.store8 (i32.const 1024) (i32.add (i32.const 48) (global.get $n)))
  (call $ok (i32.const 1024) (i32.const 1))`,
  "(global $n (mut i32) (i32.const 0))",
);

function batch(
  extensionId: string,
  inputs: Array<unknown | Uint8Array>,
  tenantId = "acme",
): InvokeExtensionBatchRequest {
  return create(InvokeExtensionBatchRequestSchema, {
    extensionId,
    version: "latest",
    ctx: { tenantId, userId: "u-1", actorType: "USER", correlationId: "op-1" },
    inputsJson: inputs.map((i) => (i instanceof Uint8Array ? i : encoder.encode(JSON.stringify(i)))),
  });
}

async function refusal(p: Promise<unknown>): Promise<ExtensionError> {
  try {
    await p;
  } catch (cause) {
    return ExtensionError.from(cause);
  }
  throw new Error("the batch was not refused");
}

describe("Runtime.invokeExtensionBatch()", () => {
  let dir: string;
  let runtime: Runtime;
  let lines: Array<Record<string, unknown>>;
  let echoSha: string;
  let file: CatalogFile;
  const engine = createEngine({ pool: { size: 1 } });
  const paths: string[] = [];
  /** Engine calls that ran inputs on the service's thread: tryInline (one input), tryInlineBatch (many). */
  const calls = { tryInline: 0, tryInlineBatch: 0 };
  /** Turns of the event loop a test counts (its own setImmediate ticks), read at each tryInlineBatch call. */
  const loop = { turns: 0, atBatchCall: [] as number[] };
  /** The requests the engine got, inline or in the pool (a loaded machine sends a slow version to the pool). */
  const engineRequests: Array<Parameters<typeof engine.tryInline>[1]> = [];
  const counting = {
    ...engine,
    tryInline: (...a: Parameters<typeof engine.tryInline>) => {
      calls.tryInline++;
      paths.push("inline");
      engineRequests.push(a[1]);
      return engine.tryInline(...a);
    },
    // Each input a batch call attempted took the inline path, as a tryInline per input did.
    tryInlineBatch: (...a: Parameters<typeof engine.tryInlineBatch>) => {
      calls.tryInlineBatch++;
      loop.atBatchCall.push(loop.turns);
      const run = engine.tryInlineBatch(...a);
      const { inputs, from = 0, limits, ctx } = a[1];
      run.attempts.forEach((_, i) => {
        paths.push("inline");
        engineRequests.push({ input: inputs[from + i] as Uint8Array, limits, ctx });
      });
      return run;
    },
    invoke: (...a: Parameters<typeof engine.invoke>) => {
      paths.push("pool");
      engineRequests.push(a[1]);
      return engine.invoke(...a);
    },
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-batch-"));
    const echo = await buildTestHook("echo", "1");
    echoSha = echo.sha256;
    const echoRef = await writeModule(dir, "echo", echo);
    const counterBytes = await watComponent(COUNTER);
    const counterRef = await writeModule(dir, "counter", {
      bytes: counterBytes,
      sha256: createHash("sha256").update(counterBytes).digest("hex"),
    });
    const base = { tenant_id: "acme", kind: "process_hook", version: "1" } as const;
    file = {
      env: "dev",
      extensions: [
        {
          ...base,
          extension_id: "echo",
          risk_tier: "low",
          wasm_blob_ref: echoRef,
          limits: { cpu_millis: 50, timeout_ms: 2_000 },
        },
        {
          ...base,
          extension_id: "echo-busy",
          risk_tier: "low",
          wasm_blob_ref: echoRef,
          limits: { cpu_millis: 50, timeout_ms: 2_000 },
        },
        {
          ...base,
          extension_id: "echo-pool",
          risk_tier: "medium",
          wasm_blob_ref: echoRef,
          limits: { cpu_millis: 50, timeout_ms: 2_000 },
        },
        {
          ...base,
          extension_id: "echo-yield",
          risk_tier: "low",
          wasm_blob_ref: echoRef,
          limits: { cpu_millis: 50, timeout_ms: 2_000 },
        },
        {
          ...base,
          extension_id: "echo-slow",
          risk_tier: "low",
          wasm_blob_ref: echoRef,
          limits: { cpu_millis: 50, timeout_ms: 2_000 },
        },
        {
          ...base,
          extension_id: "echo-long",
          risk_tier: "medium",
          wasm_blob_ref: echoRef,
          limits: { cpu_millis: 200, timeout_ms: 5_000 },
        },
        { ...base, extension_id: "counter", risk_tier: "low", wasm_blob_ref: counterRef },
        { ...base, extension_id: "off", risk_tier: "low", wasm_blob_ref: echoRef, disabled: true },
      ],
      runtime: {
        preload: false,
        pool: { size: 1 },
        batch: { max_inputs: 50, max_bytes: 1024 * 1024, max_ms: 1_000 },
      },
    };
    const captured = captureLogger();
    lines = captured.lines;
    runtime = await createRuntime({
      catalog: createCatalog(file),
      logger: captured.logger,
      defaultMetrics: false,
      engine: counting,
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers each input on its own, in order: one business error, one over the input limit and one trap fail no other", async () => {
    const tooBig = encoder.encode(JSON.stringify({ pad: "x".repeat(300 * 1024) }));
    const res = await runtime.invokeExtensionBatch(
      batch("echo", [{ line: 1 }, { mode: "fail" }, tooBig, { mode: "trap" }, { line: 5 }]),
    );
    expect(res.resolvedVersion).toBe("1");
    expect(res.moduleSha256).toBe(echoSha);
    expect(res.results.map((r) => [r.outcome, r.errorCode, r.errorReason])).toEqual([
      [Outcome.OK, "", ""],
      [Outcome.BUSINESS_ERROR, "REFUSED", ""],
      [Outcome.TECHNICAL_ERROR, "invalid_argument", "input_size"],
      [Outcome.TECHNICAL_ERROR, "resource_exhausted", "trap"],
      [Outcome.OK, "", ""],
    ]);
    expect(JSON.parse(decoder.decode(res.results[0]?.outputJson))).toEqual({
      echo: { line: 1 },
      version: "1",
    });
    expect(JSON.parse(decoder.decode(res.results[4]?.outputJson))).toEqual({
      echo: { line: 5 },
      version: "1",
    });
    // Each result leaves them to the batch's (runtime.proto): the SDK's invokeMany fills them in.
    for (const r of res.results)
      expect([r.resolvedVersion, r.moduleSha256, r.stats]).toEqual(["", "", undefined]);
    // The stats, column by column: every input ran (the one over the input limit was refused before it could).
    const fuel = res.stats?.fuelUsed ?? [];
    expect(fuel).toHaveLength(5);
    expect(fuel.map((f) => f > 0)).toEqual([true, true, false, true, true]);
    expect(res.stats?.hostCalls).toEqual([]);
  });

  it("gives a low-tier batch's inputs one limits object while their timeout is the same, each its own input", async () => {
    engineRequests.length = 0;
    await runtime.invokeExtensionBatch(batch("echo", [{ a: 1 }, { a: 2 }, { a: 3 }]));
    // An input the inline slice gave back runs again in the pool: each input's last request is what it ran with.
    const byInput = new Map(
      engineRequests.map((r) => [typeof r.input === "string" ? r.input : decoder.decode(r.input), r]),
    );
    expect([...byInput.keys()]).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
    const [first, ...rest] = [...byInput.values()];
    for (const r of rest) expect(r.limits).toBe(first?.limits);
    expect(first?.limits).toEqual({ cpuMillis: 50, timeoutMs: 2_000 });
  });

  it("runs each input from fresh state", async () => {
    const res = await runtime.invokeExtensionBatch(batch("counter", [{}, {}, {}, {}]));
    expect(res.results.map((r) => decoder.decode(r.outputJson))).toEqual(["1", "1", "1", "1"]);
  });

  it("runs a medium-tier batch's inputs in the pool, one at a time, each answered", async () => {
    paths.length = 0;
    const res = await runtime.invokeExtensionBatch(
      batch("echo-pool", [{ a: 1 }, { mode: "fail" }, { a: 3 }]),
    );
    expect(res.results.map((r) => r.outcome)).toEqual([Outcome.OK, Outcome.BUSINESS_ERROR, Outcome.OK]);
    expect(paths).toEqual(["pool", "pool", "pool"]);
  });

  it("runs a low-tier batch's inputs inline even while the thread is busy: sent one by one, the pool would cost it more", async () => {
    // Hold the thread for a few of the runtime's 100 ms load windows, then let its sampler run.
    const until = performance.now() + 350;
    while (performance.now() < until) {
      // busy, as under a flood of requests
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    paths.length = 0;
    // A version of its own, which no other test ran: no overrun of an earlier run sends it to the pool.
    const res = await runtime.invokeExtensionBatch(batch("echo-busy", [{ a: 1 }, { a: 2 }, { a: 3 }]));
    expect(res.results.map((r) => r.outcome)).toEqual([Outcome.OK, Outcome.OK, Outcome.OK]);
    // The first input tries the slice (a single call would go to the pool now); the others too, unless
    // a machine busy with other suites made that first run overrun its slice.
    expect(paths[0]).toBe("inline");
    expect(paths.length).toBeGreaterThanOrEqual(3);
  });

  it("runs a low-tier batch's inputs through the engine's batch call, one per turn of the slice, not a call per input", async () => {
    await runtime.invokeExtensionBatch(batch("echo", [{}])); // the version's module loaded
    calls.tryInline = 0;
    calls.tryInlineBatch = 0;
    const res = await runtime.invokeExtensionBatch(
      batch(
        "echo",
        Array.from({ length: 50 }, (_, i) => ({ line: i })),
      ),
    );
    expect(res.results.every((r) => r.outcome === Outcome.OK)).toBe(true);
    expect(JSON.parse(decoder.decode(res.results[49]?.outputJson))).toEqual({
      echo: { line: 49 },
      version: "1",
    });
    // How many turns 50 echoes take depends on the machine (100 µs each); never a single-input call.
    expect(calls.tryInline).toBe(0);
    expect(calls.tryInlineBatch).toBeGreaterThan(0);
    expect(calls.tryInlineBatch).toBeLessThanOrEqual(50);
  });

  it("runs an input that outruns the fuel slice in the pool, and the version's later inputs there too; each answered in order", async () => {
    paths.length = 0;
    // 200,000 turns: some 3 million fuel, over the 100 µs slice's 600,000.
    const res = await runtime.invokeExtensionBatch(
      batch(
        "echo-slow",
        [{ a: 1 }, { mode: "spin", n: 200_000 }, { a: 3 }, "not json"].map((x) =>
          x === "not json" ? encoder.encode("{nope") : x,
        ),
      ),
    );
    expect(res.results.map((r) => [r.outcome, r.errorCode, r.errorReason])).toEqual([
      [Outcome.OK, "", ""],
      [Outcome.OK, "", ""],
      [Outcome.OK, "", ""],
      [Outcome.TECHNICAL_ERROR, "invalid_argument", "invalid_input"],
    ]);
    expect(JSON.parse(decoder.decode(res.results[2]?.outputJson))).toEqual({ echo: { a: 3 }, version: "1" });
    // The first ran inline, the second tried the slice and ran in the pool; then the version is slow.
    expect(paths.slice(0, 3)).toEqual(["inline", "inline", "pool"]);
    expect(paths.slice(3)).toEqual(["pool", "pool"]);
  });

  it("refuses an empty batch and one over either cap with invalid_argument/batch_size, before any input runs", async () => {
    paths.length = 0;
    const empty = await refusal(runtime.invokeExtensionBatch(batch("echo", [])));
    expect([empty.code, empty.reason]).toEqual(["invalid_argument", "batch_size"]);
    const many = await refusal(
      runtime.invokeExtensionBatch(
        batch(
          "echo",
          Array.from({ length: 51 }, () => ({})),
        ),
      ),
    );
    expect([many.code, many.reason, many.details]).toEqual([
      "invalid_argument",
      "batch_size",
      { inputs: 51, limit: 50 },
    ]);
    // Five inputs of 250 KiB: each under the input limit, 1.2 MiB in all, over the 1 MiB cap.
    const chunk = encoder.encode(JSON.stringify("y".repeat(250 * 1024)));
    const heavy = await refusal(
      runtime.invokeExtensionBatch(batch("echo", [chunk, chunk, chunk, chunk, chunk])),
    );
    expect([heavy.code, heavy.reason]).toEqual(["invalid_argument", "batch_size"]);
    expect(heavy.message).toContain("1 MiB");
    expect(paths).toEqual([]);
  });

  it("answers every input with what refused the batch: unknown extension, another tenant's, switched off", async () => {
    for (const [req, code, reason] of [
      [batch("nope", [{}, {}]), "not_found", ""],
      [batch("echo", [{}, {}], "globex"), "not_found", ""],
      [batch("off", [{}, {}]), "failed_precondition", "disabled"],
    ] as const) {
      const res = await runtime.invokeExtensionBatch(req);
      expect(res.results.map((r) => [r.outcome, r.errorCode, r.errorReason])).toEqual([
        [Outcome.TECHNICAL_ERROR, code, reason],
        [Outcome.TECHNICAL_ERROR, code, reason],
      ]);
    }
  });

  it("bounds the whole batch by the caller's deadline: inputs left when it passes end deadline_exceeded without running", async () => {
    // The medium tier runs in the pool, each input in full (a low-tier spin would outrun the inline slice
    // and make its first pool instance under the deadline); its worker warmed first.
    await runtime.invokeExtensionBatch(batch("echo-pool", [{}]));
    // 50 inputs of 12 million turns (180 million fuel, within cpu_millis 50; about 16 ms each here, a few
    // times that on a loaded machine): far more than 200 ms in all, while the first one fits in it.
    const spin = { mode: "spin", n: 12_000_000 };
    const inputs = Array.from({ length: 50 }, () => spin);
    const before = engineRequests.length;
    const res = await runtime.invokeExtensionBatch(batch("echo-pool", inputs), { timeoutMs: 200 });
    // Each input queued for the pool carries the batch's deadline as an absolute run-by time: its timeout,
    // armed only when it starts, could otherwise run it its whole length past the deadline.
    const pooled = engineRequests.slice(before) as Array<Parameters<typeof engine.invoke>[1]>;
    expect(pooled.length).toBeGreaterThan(0);
    const runBy = pooled[0]?.runBy;
    expect(runBy).toBeTypeOf("number");
    for (const r of pooled) expect([r.runBy, r.startBy]).toEqual([runBy, runBy]);
    const last = res.results.at(-1);
    expect([last?.outcome, last?.errorCode, last?.errorReason]).toEqual([
      Outcome.TECHNICAL_ERROR,
      "deadline_exceeded",
      "timeout",
    ]);
    expect(last?.stats?.fuelUsed ?? 0n).toBe(0n);
    expect(res.results.filter((r) => r.outcome === Outcome.OK).length).toBeGreaterThan(0);
  });

  it("gives a single call run in the pool its caller's deadline as run-by time too, and none without one", async () => {
    const one = (timeoutMs?: number) =>
      runtime.invokeExtension(
        create(InvokeExtensionRequestSchema, {
          extensionId: "echo-pool",
          version: "latest",
          ctx: { tenantId: "acme", userId: "u-1", actorType: "USER", correlationId: "op-1" },
          inputJson: encoder.encode("{}"),
        }),
        timeoutMs === undefined ? {} : { timeoutMs },
      );
    const before = engineRequests.length;
    await one(2_000);
    await one();
    const [timed, open] = engineRequests.slice(before) as Array<Parameters<typeof engine.invoke>[1]>;
    expect(timed?.runBy).toBeTypeOf("number");
    expect(timed?.runBy).toBe(timed?.startBy);
    expect(open?.runBy).toBeUndefined();
  });

  it("bounds the whole batch by the runtime's batch.max_ms when its caller sends no deadline", async () => {
    // Without it, 50 inputs each up to the version's 5 s time limit held the pool's worker for minutes.
    await runtime.invokeExtensionBatch(batch("echo-long", [{}]));
    // 50 inputs of 36 million turns (about 50 ms each here, more on a loaded machine): 2.5 s or more in all,
    // against the 1,000 ms a batch runs at most in this runtime; the first fits in it.
    const spin = { mode: "spin", n: 36_000_000 };
    const started = performance.now();
    const res = await runtime.invokeExtensionBatch(
      batch(
        "echo-long",
        Array.from({ length: 50 }, () => spin),
      ),
    );
    const elapsed = performance.now() - started;
    const last = res.results.at(-1);
    expect([last?.outcome, last?.errorCode, last?.errorReason]).toEqual([
      Outcome.TECHNICAL_ERROR,
      "deadline_exceeded",
      "timeout",
    ]);
    expect(last?.errorMsg).toContain("batch.max_ms");
    expect(last?.stats?.fuelUsed ?? 0n).toBe(0n);
    expect(res.results.filter((r) => r.outcome === Outcome.OK).length).toBeGreaterThan(0);
    // The input running when the limit came had its own time limit cut to what was left of the batch's.
    expect(elapsed).toBeLessThan(3_000);
  });

  it("yields the service's thread between turns of a slice: the event loop turns between the engine calls of a long batch", async () => {
    // Its own version: one that another test's run made slow would go to the pool, which awaits anyway.
    await runtime.invokeExtensionBatch(batch("echo-yield", [{}])); // the version's module loaded
    loop.atBatchCall.length = 0;
    let ticking = true;
    const tick = () => {
      loop.turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    // 50 inputs of some 300,000 fuel each, half the 100 µs slice's 600,000: each runs inline, and the
    // batch takes several slices, each one engine call.
    const spin = { mode: "spin", n: 20_000 };
    let res: Awaited<ReturnType<typeof runtime.invokeExtensionBatch>>;
    try {
      res = await runtime.invokeExtensionBatch(
        batch(
          "echo-yield",
          Array.from({ length: 50 }, () => spin),
        ),
      );
    } finally {
      ticking = false;
    }
    expect(res.results.every((r) => r.outcome === Outcome.OK)).toBe(true);
    const at = loop.atBatchCall;
    expect(at.length, "engine calls of the batch").toBeGreaterThan(3);
    // Other work ran between any two of them: the batch let the event loop turn after each slice.
    for (let k = 1; k < at.length; k++)
      expect(at[k] as number, `the event loop's turns at engine call ${k} of ${at.length}`).toBeGreaterThan(
        at[k - 1] as number,
      );
  });

  it("counts each input in the metrics and logs one invocation_batch line", async () => {
    const count = (text: string, series: string) =>
      Number(new RegExp(`^${series} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
    const labels = 'tenant_id="acme",extension_id="echo",version="1",kind="process"';
    const series = [
      `ameide_ext_invocations_total{${labels},outcome="ok"}`,
      `ameide_ext_invocations_total{${labels},outcome="business_error"}`,
      `ameide_ext_invocations_total{${labels},outcome="technical_error"}`,
      `ameide_ext_invocation_duration_seconds_count{${labels},outcome="ok"}`,
      `ameide_ext_invocation_fuel_count{${labels}}`,
      `ameide_ext_invocation_memory_bytes_count{${labels}}`,
    ];
    const textBefore = await runtime.metrics.render(); // records what earlier tests left queued
    const before = lines.length;
    await runtime.invokeExtensionBatch(
      batch("echo", [{ a: 1 }, { mode: "fail" }, { mode: "trap" }, { a: 4 }, { a: 5 }]),
    );
    const textAfter = await runtime.metrics.render();
    expect(series.map((x) => count(textAfter, x) - count(textBefore, x))).toEqual([3, 1, 1, 3, 5, 5]);
    const mine = lines.slice(before);
    const summary = mine.filter((l) => l.event === "invocation_batch");
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({
      extension_id: "echo",
      version: "1",
      inputs: 5,
      ok: 3,
      business_error: 1,
      technical_error: 1,
      not_started: 0,
      correlation_id: "op-1",
    });
    // The input that failed technically has its own line, as a single call's, with its place.
    expect(mine.filter((l) => l.event === "invocation")).toMatchObject([
      { outcome: "technical_error", error_reason: "trap", batch_index: 2 },
    ]);
  });

  it("refuses a batch once draining has begun (unavailable/shutting_down)", async () => {
    const local = await createRuntime({
      catalog: createCatalog({ env: "dev", extensions: [], runtime: { preload: false } }),
      logger: captureLogger().logger,
      defaultMetrics: false,
      engine: counting,
    });
    await local.drain(10);
    const err = await refusal(local.invokeExtensionBatch(batch("echo", [{}])));
    expect([err.code, err.reason]).toEqual(["unavailable", "shutting_down"]);
    await local.close();
  });

  it("lets a batch already running finish when draining begins: the drain waits for it", async () => {
    const local = await createRuntime({
      catalog: createCatalog(file),
      logger: captureLogger().logger,
      defaultMetrics: false,
      engine: counting,
    });
    const spin = { mode: "spin", n: 200_000 };
    const running = local.invokeExtensionBatch(
      batch(
        "echo",
        Array.from({ length: 40 }, () => spin),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve)); // the batch has begun
    expect(local.inflight).toBe(1);
    const drained = local.drain(10_000);
    const res = await running;
    expect(await drained).toBe(true);
    expect(res.results.every((r) => r.outcome === Outcome.OK)).toBe(true);
    await local.close();
  });
});
