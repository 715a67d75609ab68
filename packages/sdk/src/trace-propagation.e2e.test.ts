// One trace from an SDK call through the runtime to a host call: the runtime as a real process (its main),
// started with the standard OTEL_* variables pointing at an OTLP/HTTP receiver this test runs, a real
// Connect host service (the CRM stand-in), and the SDK's client over the network in a traced caller.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CrmService } from "@ameide-ext/proto/testing";
import {
  type OtlpReceiver,
  type ReceivedSpan,
  registerCallerPropagation,
  startOtlpReceiver,
} from "@ameide-ext/runtime/testing/otlp";
import {
  buildTestHook,
  type CrmServiceHandle,
  type RuntimeProcess,
  spawnRuntime,
  startCrmService,
  writeModule,
} from "@ameide-ext/runtime/testing/service";
import { context, ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userContext } from "./execution-context.js";
import { createRuntimeClient, type RuntimeClient } from "./runtime-client.js";

/** The caller's own span, as a traced service calling the SDK has one active. */
const CALLER = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
const ctx = userContext({ tenantId: "acme", userId: "u-1", correlationId: "order-17" });

describe("traces from an SDK call through the runtime process to a host call", () => {
  let dir: string;
  let receiver: OtlpReceiver;
  let crm: CrmServiceHandle;
  let rt: RuntimeProcess;
  let client: RuntimeClient;
  let keys: JWTVerifyGetKey | undefined;
  let config: string;
  let writeCatalog: (versions: string[]) => Promise<void>;

  beforeAll(async () => {
    registerCallerPropagation();
    dir = await mkdtemp(join(tmpdir(), "ameide-traces-"));
    receiver = await startOtlpReceiver();
    // The runtime's signing key is made by its process: the service fetches its JWKS once it listens.
    crm = await startCrmService((header, token) => (keys as JWTVerifyGetKey)(header, token));
    const caller = await buildTestHook("caller");
    config = join(dir, "catalog.yaml");
    const entry = async (version: string) =>
      [
        `  - tenant_id: acme`,
        `    extension_id: reader`,
        `    version: "${version}"`,
        `    kind: domain_hook`,
        `    risk_tier: medium`,
        `    wasm_blob_ref: "${await writeModule(dir, `caller-${version}`, caller)}"`,
        `    limits: { timeout_ms: 5000 }`,
        `    host_calls: [{ service: ${CrmService.typeName}, method: GetCustomer, read_only: true }]`,
      ].join("\n");
    writeCatalog = async (versions) =>
      writeFile(
        config,
        [
          "env: dev",
          "runtime: { pool: { size: 1 }, preload: false, auth: { mode: insecure_local } }",
          `host_services: { "${CrmService.typeName}": { url: "${crm.url}" } }`,
          "extensions:",
          ...(await Promise.all(versions.map(entry))),
          "",
        ].join("\n"),
      );
    await writeCatalog(["1"]);
    rt = await spawnRuntime(config, ["--port", "0"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "runtime-under-test",
      OTEL_BSP_SCHEDULE_DELAY: "50",
    });
    keys = createRemoteJWKSet(new URL(`${rt.url}/.well-known/jwks.json`));
    client = createRuntimeClient({ baseUrl: rt.url as string, httpVersion: "1.1" });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await rt?.stop();
    await crm?.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("continues the caller's trace: invocation, module fetch and host call spans, with the right parents", async () => {
    // The process preloads its catalog at start; a version added by a reload (preload off) is a cache miss.
    await writeCatalog(["1", "2"]);
    await rt.waitForLog((l) => l.event === "catalog_loaded" && l.extensions === 2);
    const parent = trace.setSpanContext(ROOT_CONTEXT, { ...CALLER, traceFlags: TraceFlags.SAMPLED });
    const result = await context.with(parent, () =>
      client.invoke({
        extensionId: "reader",
        ctx,
        input: {
          calls: [{ service: CrmService.typeName, method: "GetCustomer", request: { customerId: "c-1" } }],
        },
      }),
    );
    expect(result.outcome).toBe("ok");

    const spans = await receiver.waitFor((all) => all.some((s) => s.name === "ameide.extension.invoke"));
    const invoke = spans.find((s) => s.name === "ameide.extension.invoke") as ReceivedSpan;
    expect(invoke).toMatchObject({
      traceId: CALLER.traceId,
      parentSpanId: CALLER.spanId,
      kind: "server",
      status: "unset",
      serviceName: "runtime-under-test",
    });
    expect(invoke.attributes).toMatchObject({
      "ameide.tenant_id": "acme",
      "ameide.user_id": "u-1",
      "ameide.actor_type": "USER",
      "ameide.correlation_id": "order-17",
      "ameide.extension_id": "reader",
      "ameide.requested_version": "latest",
      "ameide.extension_version": "2",
      "ameide.hook_kind": "domain",
      "ameide.risk_tier": "medium",
      "ameide.outcome": "ok",
      "ameide.host_calls": 1,
    });
    for (const key of [
      "ameide.fuel_used",
      "ameide.peak_memory_bytes",
      "ameide.output_bytes",
      "ameide.latency_ms",
    ])
      expect(invoke.attributes[key], key).toBeGreaterThan(0);

    // Version 2 was never loaded: this invocation missed the cache and fetched its module under its own span.
    const fetch = spans.find((s) => s.name === "ameide.extension.module_fetch") as ReceivedSpan;
    expect(fetch).toMatchObject({ traceId: CALLER.traceId, parentSpanId: invoke.spanId, status: "unset" });
    expect(fetch.attributes["ameide.module_scheme"]).toBe("file");

    const host = spans.find((s) => s.name === "ameide.extension.host_call") as ReceivedSpan;
    expect(host).toMatchObject({
      traceId: CALLER.traceId,
      parentSpanId: invoke.spanId,
      kind: "client",
      attributes: { "rpc.service": CrmService.typeName, "rpc.method": "GetCustomer" },
    });
    // The host service got the trace on: its own spans would be children of the host call's.
    expect(crm.calls.at(-1)?.traceparent).toBe(`00-${CALLER.traceId}-${host.spanId}-01`);
  }, 60_000);

  it("marks a technical error on the span with its code and reason, and no module fetch under it", async () => {
    const before = receiver.spans.length;
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
    });
    // A version the catalog does not have: a technical error, before any module is loaded.
    await expect(
      context.with(parent, () => client.invoke({ extensionId: "reader", version: "9", ctx, input: {} })),
    ).rejects.toMatchObject({ code: "not_found" });
    const spans = await receiver.waitFor((all) =>
      all.slice(before).some((s) => s.traceId === "0af7651916cd43dd8448eb211c80319c"),
    );
    const mine = spans.slice(before).filter((s) => s.traceId === "0af7651916cd43dd8448eb211c80319c");
    expect(mine.map((s) => s.name)).toEqual(["ameide.extension.invoke"]);
    expect(mine[0]).toMatchObject({
      parentSpanId: "b7ad6b7169203331",
      status: "error",
      attributes: { "ameide.outcome": "technical_error", "ameide.error_code": "not_found" },
    });
  }, 60_000);

  it("starts a new trace when the caller has none (no traceparent sent)", async () => {
    const before = receiver.spans.length;
    await client.invoke({ extensionId: "reader", ctx: { ...ctx, correlationId: "no-parent" }, input: {} });
    const spans = await receiver.waitFor((all) =>
      all.slice(before).some((s) => s.attributes["ameide.correlation_id"] === "no-parent"),
    );
    const root = spans.slice(before).find((s) => s.attributes["ameide.correlation_id"] === "no-parent");
    expect(root?.parentSpanId).toBe("");
    expect(root?.traceId).not.toBe(CALLER.traceId);
  }, 60_000);

  it("ignores a malformed traceparent (hostile caller): the invocation is served under a new trace", async () => {
    const hostile = [
      "garbage",
      `00-${"0".repeat(32)}-${"0".repeat(16)}-01`, // all-zero ids are invalid
      `ff-${CALLER.traceId}-${CALLER.spanId}-01`, // version ff is forbidden
      `00-${CALLER.traceId.toUpperCase()}-${CALLER.spanId}-01`, // ids are lowercase hex
      `00-${CALLER.traceId}-${CALLER.spanId}-01-${"x".repeat(4000)}`,
    ];
    const before = receiver.spans.length;
    for (const [i, traceparent] of hostile.entries()) {
      const res = await fetch(`${rt.url}/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension`, {
        method: "POST",
        headers: { "content-type": "application/json", "connect-protocol-version": "1", traceparent },
        body: JSON.stringify({
          extensionId: "reader",
          version: "latest",
          ctx: { tenantId: "acme", userId: "u-1", actorType: "USER", correlationId: `hostile-${i}` },
          inputJson: Buffer.from("{}").toString("base64"),
        }),
      });
      expect(res.status).toBe(200);
      expect((await res.json()) as { outcome: string }).toMatchObject({ outcome: "OUTCOME_OK" });
    }
    const mine = (all: ReceivedSpan[]) =>
      all.slice(before).filter((s) => String(s.attributes["ameide.correlation_id"]).startsWith("hostile-"));
    const spans = mine(await receiver.waitFor((all) => mine(all).length === hostile.length));
    for (const span of spans) {
      expect(span.parentSpanId).toBe("");
      expect(span.traceId).not.toBe(CALLER.traceId);
    }
    // Still serving the SDK's calls.
    expect((await client.invoke({ extensionId: "reader", ctx, input: {} })).outcome).toBe("ok");
  }, 60_000);

  it("does not start when an OTEL_* variable asks for what it cannot honour (the unit test pins the code)", async () => {
    // start-tracing.test.ts asserts invalid_argument/invalid_manifest; here, that the process refuses to start.
    await expect(
      spawnRuntime(config, ["--port", "0"], {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_TRACES_SAMPLER: "sometimes",
      }),
    ).rejects.toThrow(/did not start: .*OTEL_TRACES_SAMPLER/);
  }, 60_000);
});
