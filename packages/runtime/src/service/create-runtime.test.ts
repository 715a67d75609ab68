import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import { Outcome } from "@ameide-ext/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogFile } from "../catalog/catalog-schema.js";
import { createCatalog } from "../catalog/parse-catalog.js";
import { buildTestHook, captureLogger, invokeRequest, writeModule } from "../testing/service-fixtures.js";
import { createRuntime, type Runtime } from "./create-runtime.js";
import { resolveRuntimeSettings } from "./runtime-settings.js";

const decoder = new TextDecoder();
const output = (bytes: Uint8Array) => JSON.parse(decoder.decode(bytes)) as { version: string; echo: unknown };

describe("createRuntime()", () => {
  let dir: string;
  let runtime: Runtime;
  let lines: Array<Record<string, unknown>>;
  let doomedRef: string;
  const refs: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-runtime-"));
    for (const v of ["1", "2", "10"])
      refs[v] = await writeModule(dir, `echo-${v}`, await buildTestHook("echo", v));
    doomedRef = await writeModule(dir, "doomed", await buildTestHook("echo", "doomed"));
    const other = await buildTestHook("echo", "other");
    const tampered = `${(await writeModule(dir, "tampered", other)).split("#")[0]}#sha256=${"0".repeat(64)}`;
    // A generous wall clock: the limits under test are fuel and memory, which must not lose the race to a busy machine.
    // CPU 50 ms: the "bomb" mode allocates 16 MiB before the memory cap stops it, 246 million fuel by the cost
    // model (41 ms; it measured 10-30 ms of CPU here), which the default 10 ms (60 million) does not cover.
    const base = {
      tenant_id: "acme",
      kind: "process_hook",
      risk_tier: "low",
      limits: { timeout_ms: 2_000, cpu_millis: 50 },
    } as const;
    const file: CatalogFile = {
      env: "dev",
      extensions: [
        ...["1", "2", "10"].map((v) => ({
          ...base,
          extension_id: "echo",
          version: v,
          wasm_blob_ref: refs[v] as string,
        })),
        ...["1", "2"].map((v) => ({
          ...base,
          extension_id: "pinned",
          version: v,
          wasm_blob_ref: refs[v] as string,
        })),
        { ...base, extension_id: "off", version: "1", wasm_blob_ref: refs["1"] as string, disabled: true },
        { ...base, extension_id: "tampered", version: "1", wasm_blob_ref: tampered },
        { ...base, extension_id: "flaky", version: "1", wasm_blob_ref: refs["1"] as string },
        { ...base, extension_id: "cached", version: "1", wasm_blob_ref: doomedRef },
        {
          ...base,
          tenant_id: "globex",
          extension_id: "globex-only",
          version: "1",
          wasm_blob_ref: await writeModule(dir, "echo-1", await buildTestHook("echo", "1"), "globex"),
        },
      ],
      latest: { "acme/pinned": "1" },
      runtime: {
        preload: false,
        pool: { size: 1 },
        circuit_breaker: { failure_threshold: 3, cool_down_ms: 300 },
      },
    };
    const captured = captureLogger();
    lines = captured.lines;
    runtime = await createRuntime({
      catalog: createCatalog(file),
      logger: captured.logger,
      defaultMetrics: false,
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs the highest version for latest, and the version asked for", async () => {
    const latest = await runtime.invokeExtension(invokeRequest({ extensionId: "echo", input: { a: 1 } }));
    expect(latest.outcome).toBe(Outcome.OK);
    expect(latest.resolvedVersion).toBe("10");
    expect(latest.moduleSha256).toBe((refs["10"] as string).split("#sha256=")[1]);
    expect(output(latest.outputJson)).toEqual({ echo: { a: 1 }, version: "10" });
    const two = await runtime.invokeExtension(invokeRequest({ extensionId: "echo", version: "2" }));
    expect(output(two.outputJson).version).toBe("2");
  });

  it("runs the pinned version for latest when the catalog pins one", async () => {
    const res = await runtime.invokeExtension(invokeRequest({ extensionId: "pinned" }));
    expect(res.resolvedVersion).toBe("1");
    expect(output(res.outputJson).version).toBe("1");
  });

  it("answers not_found alike for an unknown extension and for another tenant's", async () => {
    const unknown = await runtime.invokeExtension(invokeRequest({ extensionId: "nope", tenantId: "globex" }));
    const foreign = await runtime.invokeExtension(invokeRequest({ extensionId: "echo", tenantId: "globex" }));
    const foreignExact = await runtime.invokeExtension(
      invokeRequest({ extensionId: "echo", version: "1", tenantId: "globex" }),
    );
    for (const res of [unknown, foreign, foreignExact]) {
      expect(res.outcome).toBe(Outcome.TECHNICAL_ERROR);
      expect(res.errorCode).toBe("not_found");
      expect(res.resolvedVersion).toBe("");
      expect(res.errorMsg).not.toContain("acme");
    }
    // And the other way round: acme cannot reach globex's extension.
    const reverse = await runtime.invokeExtension(invokeRequest({ extensionId: "globex-only" }));
    expect(reverse.errorCode).toBe("not_found");
    const own = await runtime.invokeExtension(
      invokeRequest({ extensionId: "globex-only", tenantId: "globex" }),
    );
    expect(own.outcome).toBe(Outcome.OK);
  });

  it("refuses a switched-off version with failed_precondition/disabled", async () => {
    const res = await runtime.invokeExtension(invokeRequest({ extensionId: "off" }));
    expect([res.errorCode, res.errorReason]).toEqual(["failed_precondition", "disabled"]);
  });

  it("refuses a module whose sha256 differs from its ref, and logs and counts it as an integrity failure", async () => {
    const res = await runtime.invokeExtension(invokeRequest({ extensionId: "tampered" }));
    expect([res.errorCode, res.errorReason]).toEqual(["failed_precondition", "integrity"]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        event: "integrity_failure",
        extension_id: "tampered",
        expected_sha256: "0".repeat(64),
      }),
    );
    expect(await runtime.metrics.render()).toMatch(
      /ameide_ext_integrity_failures_total\{tenant_id="acme",extension_id="tampered",version="1",kind="process"\} 1/,
    );
  });

  it("fetches a module once: later invocations never touch the store, and the cold fetch is counted", async () => {
    const first = await runtime.invokeExtension(invokeRequest({ extensionId: "cached" }));
    expect(first.outcome).toBe(Outcome.OK);
    await unlink(doomedRef.slice("file://".length).split("#")[0] as string);
    for (let i = 0; i < 3; i++)
      expect((await runtime.invokeExtension(invokeRequest({ extensionId: "cached" }))).outcome).toBe(
        Outcome.OK,
      );
    const misses = (await runtime.metrics.render())
      .split("\n")
      .filter((l) => l.startsWith('ameide_ext_module_cache_misses_total{scheme="file",result="ok"}'));
    // One miss per distinct module used so far in this suite, and not one more for the repeated calls.
    const before = Number(misses[0]?.split(" ")[1]);
    await runtime.invokeExtension(invokeRequest({ extensionId: "cached" }));
    const after = (await runtime.metrics.render()).match(
      /ameide_ext_module_cache_misses_total\{scheme="file",result="ok"\} (\d+)/,
    )?.[1];
    expect(Number(after)).toBe(before);
    expect(before).toBeGreaterThanOrEqual(1);
  });

  it("returns hostile guests' limits as technical errors with their reasons", async () => {
    const loop = await runtime.invokeExtension(
      invokeRequest({ extensionId: "echo", input: { mode: "loop" } }),
    );
    expect([loop.errorCode, loop.errorReason]).toEqual(["resource_exhausted", "fuel"]);
    const bomb = await runtime.invokeExtension(
      invokeRequest({ extensionId: "echo", input: { mode: "bomb" } }),
    );
    expect([bomb.errorCode, bomb.errorReason]).toEqual(["resource_exhausted", "memory"]);
    const bad = await runtime.invokeExtension({
      ...invokeRequest({ extensionId: "echo" }),
      inputJson: new Uint8Array([123]),
    });
    expect([bad.errorCode, bad.errorReason]).toEqual(["invalid_argument", "invalid_input"]);
    const business = await runtime.invokeExtension(
      invokeRequest({ extensionId: "echo", input: { mode: "fail" } }),
    );
    expect(business.outcome).toBe(Outcome.BUSINESS_ERROR);
    expect([business.errorCode, business.errorReason]).toEqual(["REFUSED", ""]);
  });

  it("opens a version's breaker after consecutive technical errors, answers circuit_open, and recovers through a probe", async () => {
    const call = (mode: string) =>
      runtime.invokeExtension(invokeRequest({ extensionId: "flaky", input: { mode } }));
    // Business errors and bad input are not the extension's technical failures.
    for (let i = 0; i < 4; i++) expect((await call("fail")).outcome).toBe(Outcome.BUSINESS_ERROR);
    for (let i = 0; i < 3; i++) expect((await call("trap")).errorReason).toBe("trap");
    const open = await call("echo");
    expect([open.errorCode, open.errorReason]).toEqual(["unavailable", "circuit_open"]);
    expect(open.stats?.fuelUsed ?? 0n).toBe(0n);
    // Another version, and another extension, are not affected.
    expect(
      (await runtime.invokeExtension(invokeRequest({ extensionId: "echo", version: "1" }))).outcome,
    ).toBe(Outcome.OK);
    await new Promise((r) => setTimeout(r, 320));
    expect((await call("echo")).outcome).toBe(Outcome.OK);
    expect((await call("echo")).outcome).toBe(Outcome.OK);
    const changes = lines
      .filter((l) => l.event === "circuit_state" && l.key === "acme/flaky/1")
      .map((l) => `${l.from}->${l.to}`);
    expect(changes).toEqual(["closed->open", "open->half_open", "half_open->closed"]);
    expect(await runtime.metrics.render()).toMatch(/ameide_ext_circuit_state\{key="acme\/flaky\/1"\} 0/);
  });

  it("logs one structured line per invocation, with the context, the cost and the guest's logs truncated", async () => {
    await runtime.invokeExtension(
      invokeRequest({
        extensionId: "echo",
        input: { mode: "log" },
        ctx: { orgId: "emea", userId: "agent-7", actorType: "AGENT", correlationId: "corr-42" },
      }),
    );
    // The line is written just after the response is handed back (off its latency), on the next turn.
    expect(lines.filter((l) => l.correlation_id === "corr-42")).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    const line = lines.filter((l) => l.event === "invocation").at(-1);
    expect(line).toMatchObject({
      tenant_id: "acme",
      org_id: "emea",
      user_id: "agent-7",
      actor_type: "AGENT",
      correlation_id: "corr-42",
      extension_id: "echo",
      version: "10",
      requested_version: "latest",
      kind: "process",
      outcome: "ok",
      error_code: "",
    });
    expect(line?.fuel_used).toBeGreaterThan(0);
    expect(line?.peak_memory_bytes).toBeGreaterThan(0);
    expect(typeof line?.latency_ms).toBe("number");
    const logs = line?.guest_logs as string[];
    expect(logs).toHaveLength(3);
    expect(logs[1]?.length).toBeLessThan(600);
  });

  it("counts an invocation in /metrics as soon as its response is back", async () => {
    const count = async () =>
      Number(
        /ameide_ext_invocations_total\{tenant_id="acme",extension_id="echo",version="10",kind="process",outcome="ok"\} (\d+)/.exec(
          await runtime.metrics.render(),
        )?.[1] ?? 0,
      );
    const before = await count();
    await runtime.invokeExtension(invokeRequest({ extensionId: "echo", input: { n: 1 } }));
    expect(await count()).toBe(before + 1);
  });

  it("exposes the metrics by extension, version and outcome", async () => {
    const text = await runtime.metrics.render();
    expect(text).toMatch(
      /ameide_ext_invocation_duration_seconds_bucket\{le="[^"]+",tenant_id="acme",extension_id="echo",version="10",kind="process",outcome="ok"\}/,
    );
    expect(text).toMatch(
      /ameide_ext_invocation_fuel_count\{tenant_id="acme",extension_id="echo",version="10",kind="process"\} \d+/,
    );
    expect(text).toMatch(
      /ameide_ext_invocation_memory_bytes_count\{tenant_id="acme",extension_id="echo",version="10",kind="process"\} \d+/,
    );
    expect(text).toMatch(
      /ameide_ext_invocations_total\{tenant_id="acme",extension_id="echo",version="10",kind="process",outcome="technical_error"\} \d+/,
    );
    expect(text).toMatch(
      /ameide_ext_invocation_errors_total\{[^}]*code="resource_exhausted",reason="fuel"\} 1/,
    );
    // Unknown ids never become label values.
    expect(text).not.toContain('extension_id="nope"');
    expect(text).toMatch(/extension_id="\(unresolved\)"/);
  });

  it("refuses a request without a tenant, with an unknown actor type, or for another environment, with invalid_argument", async () => {
    const robot = await runtime.invokeExtension(
      invokeRequest({ extensionId: "echo", ctx: { actorType: "ROBOT" } }),
    );
    expect([robot.errorCode, robot.errorReason]).toEqual(["invalid_argument", "invalid_input"]);
    const noTenant = await runtime.invokeExtension(invokeRequest({ extensionId: "echo", tenantId: "" }));
    expect(noTenant.errorCode).toBe("invalid_argument");
    const prod = await runtime.invokeExtension(invokeRequest({ extensionId: "echo", ctx: { env: "prod" } }));
    expect(prod.errorCode).toBe("invalid_argument");
  });
});

describe("createRuntime() and the inline slice (runtime.inline_slice_us)", () => {
  let dir: string;
  let file: CatalogFile;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-runtime-inline-"));
    const ref = await writeModule(dir, "echo-inline", await buildTestHook("echo", "1"));
    const entry = { tenant_id: "acme", kind: "process_hook", version: "1", wasm_blob_ref: ref } as const;
    file = {
      env: "dev",
      extensions: [
        { ...entry, extension_id: "small", risk_tier: "low", limits: { cpu_millis: 2, timeout_ms: 2_000 } },
        { ...entry, extension_id: "large", risk_tier: "low", limits: { cpu_millis: 50, timeout_ms: 2_000 } },
        {
          ...entry,
          extension_id: "medium",
          risk_tier: "medium",
          limits: { cpu_millis: 2, timeout_ms: 2_000 },
        },
      ],
      runtime: { preload: false, pool: { size: 1 } },
    };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // Records which path each invocation takes, through the real engine.
  // With `notReadyOnce`, the first tryInline answers as for an instance not made yet on the service's thread.
  async function runtimeCounting(inlineSliceUs: number | undefined, notReadyOnce = false) {
    const { createEngine } = await import("../engine/create-engine.js");
    const engine = createEngine({ pool: { size: 1 } });
    const paths: string[] = [];
    let notReady = notReadyOnce;
    const counting = {
      ...engine,
      tryInline: (...a: Parameters<typeof engine.tryInline>) => {
        const r = notReady ? ({ skipped: "not_ready" } as const) : engine.tryInline(...a);
        notReady = false;
        paths.push(
          "ran" in r ? "inline" : r.skipped === "slice" ? "inline, outran the slice" : "inline, not ready",
        );
        return r;
      },
      invoke: (...a: Parameters<typeof engine.invoke>) => {
        paths.push("pool");
        return engine.invoke(...a);
      },
    };
    const runtime = await createRuntime({
      catalog: createCatalog({
        ...file,
        runtime: { ...file.runtime, inline_slice_us: inlineSliceUs },
      }),
      logger: captureLogger().logger,
      defaultMetrics: false,
      engine: counting,
    });
    return { runtime, engine, paths };
  }

  async function withRuntime(
    inlineSliceUs: number | undefined,
    fn: (r: Awaited<ReturnType<typeof runtimeCounting>>) => Promise<void>,
    notReadyOnce = false,
  ) {
    const r = await runtimeCounting(inlineSliceUs, notReadyOnce);
    try {
      await fn(r);
    } finally {
      await r.runtime.close();
      await r.engine.close();
    }
  }

  it("runs cheap low-tier invocations on its own thread by default, and medium tier in the pool", () =>
    withRuntime(undefined, async ({ runtime, paths }) => {
      for (const extensionId of ["small", "large", "medium"]) {
        const res = await runtime.invokeExtension(invokeRequest({ extensionId, input: { a: 1 } }));
        expect(res.outcome).toBe(Outcome.OK);
      }
      expect(paths).toEqual(["inline", "inline", "pool"]);
    }));

  it("runs an invocation that outruns the slice again, in full, in the pool; that version then goes straight to the pool", () =>
    withRuntime(undefined, async ({ runtime, paths }) => {
      // Two million turns of the loop: more than the 100 µs slice, well within cpu_millis 50.
      const res = await runtime.invokeExtension(
        invokeRequest({ extensionId: "large", input: { mode: "spin", n: 2_000_000 } }),
      );
      expect(res.outcome).toBe(Outcome.OK);
      expect(new TextDecoder().decode(res.outputJson)).toBe('{"spun":2000000}');
      expect(res.stats?.fuelUsed).toBeGreaterThan(100n * 10_000n);
      expect(res.stats?.fuelLimit).toBe(50n * BigInt(FUEL_PER_CPU_MILLI));
      await runtime.invokeExtension(invokeRequest({ extensionId: "large", input: { a: 1 } }));
      await runtime.invokeExtension(invokeRequest({ extensionId: "small", input: { a: 1 } }));
      expect(paths).toEqual(["inline, outran the slice", "pool", "pool", "inline"]);
    }));

  it("sends an invocation whose instance is not ready to the pool, and tries the next one inline (not slow for 60 s)", () =>
    withRuntime(
      undefined,
      async ({ runtime, paths }) => {
        for (let i = 0; i < 2; i++) {
          const res = await runtime.invokeExtension(invokeRequest({ extensionId: "small", input: { a: 1 } }));
          expect(res.outcome).toBe(Outcome.OK);
        }
        expect(paths).toEqual(["inline, not ready", "pool", "inline"]);
      },
      true,
    ));

  it("stops a low-tier infinite loop at its full budget (resource_exhausted/fuel), in the pool", () =>
    withRuntime(undefined, async ({ runtime, paths }) => {
      const res = await runtime.invokeExtension(
        invokeRequest({ extensionId: "small", input: { mode: "loop" } }),
      );
      expect(res).toMatchObject({
        outcome: Outcome.TECHNICAL_ERROR,
        errorCode: "resource_exhausted",
        errorReason: "fuel",
      });
      expect(res.stats?.fuelUsed).toBe(2n * BigInt(FUEL_PER_CPU_MILLI));
      expect(paths).toEqual(["inline, outran the slice", "pool"]);
    }));

  it("does not run again a guest that failed within the slice", () =>
    withRuntime(undefined, async ({ runtime, paths }) => {
      const res = await runtime.invokeExtension(
        invokeRequest({ extensionId: "small", input: { mode: "trap" } }),
      );
      expect(res).toMatchObject({ outcome: Outcome.TECHNICAL_ERROR, errorReason: "trap" });
      expect(paths).toEqual(["inline"]);
    }));

  it("sends low-tier invocations to the pool while its own thread is busy, and inline again once it is not", () =>
    withRuntime(undefined, async ({ runtime, paths }) => {
      const call = () => runtime.invokeExtension(invokeRequest({ extensionId: "small", input: { a: 1 } }));
      // Hold the thread for a few of the runtime's 100 ms load windows, then let its sampler run.
      const until = performance.now() + 350;
      while (performance.now() < until) {
        // busy, as under a flood of requests
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect((await call()).outcome).toBe(Outcome.OK);
      // Idle for a few windows: the thread is not busy any more.
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect((await call()).outcome).toBe(Outcome.OK);
      expect(paths).toEqual(["pool", "inline"]);
    }));

  it("sends every invocation to the pool with inline_slice_us: 0", () =>
    withRuntime(0, async ({ runtime, paths }) => {
      await runtime.invokeExtension(invokeRequest({ extensionId: "small" }));
      expect(paths).toEqual(["pool"]);
    }));

  it("writes the log line of an invocation that ended just before close()", async () => {
    const captured = captureLogger();
    const runtime = await createRuntime({
      catalog: createCatalog(file),
      logger: captured.logger,
      defaultMetrics: false,
    });
    const written = () =>
      captured.lines.filter((l) => l.event === "invocation" && l.correlation_id === "last").length;
    // close() in the same turn as the response: the line must be written by close() itself.
    const seen = await runtime
      .invokeExtension(invokeRequest({ extensionId: "small", ctx: { correlationId: "last" } }))
      .then(() => {
        const before = written();
        const closing = runtime.close();
        return { before, after: written(), closing };
      });
    await seen.closing;
    expect(seen).toMatchObject({ before: 0, after: 1 });
  });
});

describe("createRuntime(), two tenants' entries for the same module", () => {
  let dir: string;
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("never gives them the same instances, inline or in the pool (the compiled module may be shared)", async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-runtime-tenants-"));
    // The same bytes (one sha256) under each tenant's own prefix, as the catalog requires.
    const hook = await buildTestHook("echo", "1");
    const refs: Record<string, string> = {
      acme: await writeModule(dir, "echo-shared", hook, "acme"),
      globex: await writeModule(dir, "echo-shared", hook, "globex"),
    };
    const entry = { kind: "process_hook", version: "1", limits: { timeout_ms: 2_000 } } as const;
    const { createEngine } = await import("../engine/create-engine.js");
    const engine = createEngine({ pool: { size: 1 } });
    // The instances an engine runs are those of the loaded extension's key: record it per tenant.
    const keys: Record<string, Set<string>> = { acme: new Set(), globex: new Set() };
    const record = (ext: { key: string }, ctx: { tenantId?: string } | undefined) =>
      keys[ctx?.tenantId ?? ""]?.add(ext.key);
    const recording = {
      ...engine,
      tryInline: (...a: Parameters<typeof engine.tryInline>) => {
        record(a[0], a[1].ctx);
        return engine.tryInline(...a);
      },
      invoke: (...a: Parameters<typeof engine.invoke>) => {
        record(a[0], a[1].ctx);
        return engine.invoke(...a);
      },
    };
    const runtime = await createRuntime({
      catalog: createCatalog({
        env: "dev",
        extensions: ["acme", "globex"].flatMap((tenant_id) => [
          { ...entry, wasm_blob_ref: refs[tenant_id], tenant_id, extension_id: "shared", risk_tier: "low" },
          {
            ...entry,
            wasm_blob_ref: refs[tenant_id],
            tenant_id,
            extension_id: "shared-pool",
            risk_tier: "medium",
          },
        ]),
        runtime: { preload: false, pool: { size: 1 } },
      }),
      logger: captureLogger().logger,
      defaultMetrics: false,
      engine: recording,
    });
    try {
      for (const tenantId of ["acme", "globex", "acme", "globex"])
        for (const extensionId of ["shared", "shared-pool"]) {
          const res = await runtime.invokeExtension(
            invokeRequest({ tenantId, extensionId, input: { a: 1 } }),
          );
          expect(res.outcome).toBe(Outcome.OK);
        }
      const [acme, globex] = [[...(keys.acme ?? [])], [...(keys.globex ?? [])]];
      expect(acme.length).toBeGreaterThan(0);
      expect(globex.length).toBeGreaterThan(0);
      expect(acme.filter((k) => globex.includes(k))).toEqual([]);
    } finally {
      await runtime.close();
      await engine.close();
    }
  });
});

describe("createRuntime() and runtime.max_memory_mb (issue #10, item 7)", () => {
  let dir: string;
  let ref: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-runtime-maxmem-"));
    ref = await writeModule(dir, "echo-1", await buildTestHook("echo", "1"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const catalogFile = (memoryMb: number, maxMemoryMb?: number): CatalogFile => ({
    env: "dev",
    extensions: [
      {
        tenant_id: "acme",
        extension_id: "echo",
        version: "1",
        kind: "process_hook",
        risk_tier: "low",
        wasm_blob_ref: ref,
        limits: { memory_mb: memoryMb, timeout_ms: 2_000 },
      },
    ],
    runtime: { preload: false, pool: { size: 1 }, ...(maxMemoryMb ? { max_memory_mb: maxMemoryMb } : {}) },
  });
  const refusal = async (action: () => unknown) => {
    try {
      await action();
    } catch (cause) {
      return cause as { code: string; reason: string; details: { problems: Array<{ path: string }> } };
    }
    throw new Error("expected a refusal, the call succeeded");
  };

  it("reads max_memory_mb from AMEIDE_RUNTIME_MAX_MEMORY_MB, then the catalog's runtime section, default 256", () => {
    expect(resolveRuntimeSettings({}).maxMemoryMb).toBe(256);
    expect(resolveRuntimeSettings({ max_memory_mb: 64 }).maxMemoryMb).toBe(64);
    expect(
      resolveRuntimeSettings({ max_memory_mb: 64 }, { AMEIDE_RUNTIME_MAX_MEMORY_MB: "32" }).maxMemoryMb,
    ).toBe(32);
    expect(() => resolveRuntimeSettings({}, { AMEIDE_RUNTIME_MAX_MEMORY_MB: "2048" })).toThrow(/1 to 1024/);
  });

  it("refuses at start a catalog whose entry asks for more memory_mb than max_memory_mb, naming the entry", async () => {
    const err = await refusal(() =>
      createRuntime({ catalog: createCatalog(catalogFile(512, 256)), logger: captureLogger().logger }),
    );
    expect({ code: err.code, reason: err.reason }).toEqual({
      code: "invalid_argument",
      reason: "invalid_limits",
    });
    expect(err.details.problems.map((p) => p.path)).toEqual(["/extensions/0/limits/memory_mb"]);
  });

  it("defaults max_memory_mb to 256, so memory_mb 1024 is refused unless the runtime allows it", async () => {
    const err = await refusal(() =>
      createRuntime({ catalog: createCatalog(catalogFile(1024)), logger: captureLogger().logger }),
    );
    expect(err.reason).toBe("invalid_limits");
    const allowed = await createRuntime({
      catalog: createCatalog(catalogFile(1024, 1024)),
      logger: captureLogger().logger,
      defaultMetrics: false,
    });
    await allowed.close();
  });

  it("keeps the catalog in force when setCatalog or a hot reload brings an entry over the cap, and still serves", async () => {
    const path = join(dir, "catalog.json");
    await writeFile(path, JSON.stringify(catalogFile(16, 64)));
    const captured = captureLogger();
    const runtime = await createRuntime({
      catalog: createCatalog(catalogFile(16, 64)),
      catalogPath: path,
      reloadDebounceMs: 10,
      logger: captured.logger,
      defaultMetrics: false,
    });
    try {
      const before = runtime.catalog;
      const err = await refusal(() => runtime.setCatalog(createCatalog(catalogFile(128, 64))));
      expect(err.reason).toBe("invalid_limits");
      expect(runtime.catalog).toBe(before);
      await writeFile(path, JSON.stringify(catalogFile(128, 64)));
      await expect
        .poll(() => captured.lines.find((l) => l.event === "catalog_invalid")?.error_reason, {
          timeout: 5_000,
        })
        .toBe("invalid_limits");
      expect(runtime.catalog).toBe(before);
      const res = await runtime.invokeExtension(invokeRequest({ extensionId: "echo", input: { a: 1 } }));
      expect(res.outcome).toBe(Outcome.OK);
    } finally {
      await runtime.close();
    }
  });
});
