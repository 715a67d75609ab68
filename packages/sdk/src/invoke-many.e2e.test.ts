// invokeMany end to end: the runtime's all-purpose test guest in a real runtime service
// (startRuntimeServer), called over Connect by the SDK's client, with the runtime's own batch caps.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userContext } from "./execution-context.js";
import { createInProcessClient, createRuntimeClient, type RuntimeClient } from "./runtime-client.js";
import { type EchoRuntime, startEchoRuntime } from "./testing/echo-runtime.js";

const ctx = userContext({ tenantId: "acme", userId: "u-1", correlationId: "invoice-2026-17" });
/** Over the runtime's 256 KiB input limit on its own. */
const oversized = { pad: "x".repeat(300 * 1024) };

describe("invokeMany through a runtime service", () => {
  let rt: EchoRuntime;
  let client: RuntimeClient;
  let mint: (tenants: string[]) => Promise<string>;

  beforeAll(async () => {
    rt = await startEchoRuntime({
      prefix: "ameide-sdk-batch-",
      kind: "process_hook",
      extensions: { "price-line": undefined },
      batchMaxInputs: 6,
    });
    mint = (tenants) => rt.issuer.mint({ subject: "sales-domain", tenants });
    client = createRuntimeClient({
      baseUrl: rt.url,
      token: () => mint(["acme"]),
      retry: { initialDelayMs: 1, maxDelayMs: 2 },
    });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await rt?.close();
  });

  it("answers each line on its own: a business error and an input over the limit fail no other", async () => {
    const lines = [{ line: 1 }, { mode: "fail" }, oversized, { line: 4 }, { line: 5 }];
    const r = await client.invokeMany<{ echo: unknown }>("price-line", lines, ctx);
    expect([r.resolvedVersion, r.moduleSha256]).toEqual(["1", rt.sha256]);
    expect(r.results.map((x) => x.outcome)).toEqual(["ok", "business_error", "technical_error", "ok", "ok"]);
    const [first, refused, tooBig, , last] = r.results;
    expect(first?.outcome === "ok" && first.output.echo).toEqual({ line: 1 });
    expect(last?.outcome === "ok" && last.output.echo).toEqual({ line: 5 });
    expect(refused?.outcome === "business_error" && refused.businessError.code).toBe("REFUSED");
    expect(tooBig?.outcome === "technical_error" && [tooBig.error.code, tooBig.error.reason]).toEqual([
      "invalid_argument",
      "input_size",
    ]);
    for (const x of r.results) expect(x.resolvedVersion).toBe("1");
    // Each answer's stats, from the batch's columns: the lines that ran used fuel under their budget; the
    // one over the input limit never ran.
    const ran = (x: (typeof r.results)[number]) => [
      x.stats.fuelUsed > 0,
      x.stats.fuelLimit > x.stats.fuelUsed,
    ];
    expect(r.results.map(ran)).toEqual([
      [true, true],
      [true, true],
      [false, false],
      [true, true],
      [true, true],
    ]);
    expect(first?.stats.memoryLimitBytes).toBeGreaterThan(0);
  });

  it("answers the same in-process as over the network", async () => {
    const lines = [{ line: 1 }, { mode: "fail" }, oversized, { line: 4 }];
    const strip = (r: Awaited<ReturnType<RuntimeClient["invokeMany"]>>) =>
      r.results.map((x) => ({
        outcome: x.outcome,
        output: x.outcome === "ok" ? x.output : undefined,
        code:
          x.outcome === "business_error"
            ? x.businessError.code
            : x.outcome === "technical_error"
              ? x.error.code
              : "",
        reason: x.outcome === "technical_error" ? x.error.reason : "",
      }));
    const remote = await client.invokeMany("price-line", lines, ctx);
    const local = await createInProcessClient(rt.runtime).invokeMany("price-line", lines, ctx);
    expect(strip(local)).toEqual(strip(remote));
    expect([local.resolvedVersion, local.moduleSha256]).toEqual([
      remote.resolvedVersion,
      remote.moduleSha256,
    ]);
  });

  it("reads a batch body larger than a single call's 1 MiB read limit, up to the batch caps", async () => {
    const r = await client.invokeMany("price-line", [oversized, oversized, oversized, oversized, {}], ctx);
    expect(r.results.map((x) => (x.outcome === "technical_error" ? x.error.reason : x.outcome))).toEqual([
      "input_size",
      "input_size",
      "input_size",
      "input_size",
      "ok",
    ]);
  });

  it("throws invalid_argument/batch_size for a batch over the runtime's cap, and for an empty one", async () => {
    const seven = Array.from({ length: 7 }, (_, i) => ({ line: i }));
    await expect(client.invokeMany("price-line", seven, ctx)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "batch_size",
    });
    await expect(client.invokeMany("price-line", [], ctx)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "batch_size",
    });
  });

  it("refuses a caller that may not act for the context's tenant, before any line runs (permission_denied)", async () => {
    const other = createRuntimeClient({ baseUrl: rt.url, token: () => mint(["globex"]) });
    try {
      await expect(other.invokeMany("price-line", [{}], ctx)).rejects.toMatchObject({
        code: "permission_denied",
        reason: "tenant_not_allowed",
      });
    } finally {
      other.close();
    }
  });

  it("answers every line not_found for an extension the runtime does not know", async () => {
    const r = await client.invokeMany("no-such-rule", [{}, {}], ctx);
    expect(r.results.map((x) => x.outcome === "technical_error" && x.error.code)).toEqual([
      "not_found",
      "not_found",
    ]);
  });
});
