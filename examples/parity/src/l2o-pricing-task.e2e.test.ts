// The pricing BAdI's module as the L2O process's pricing Extension Task, in a real runtime service: the task's
// input mappings turn the process's quote into the order view the BAdI reads at BeforeCreateOrder, its output
// mappings put the priced lines back on the quote. The mappings are evaluated with feelin here, as
// `extensionTask()` of @ameide-ext/sdk/bpmn evaluates them (that subpath lands with the process slice of #12).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createCatalog,
  createLocalTokenIssuer,
  createRuntime,
  type RuntimeServer,
  startRuntimeServer,
} from "@ameide-ext/runtime";
import { captureLogger, writeModule } from "@ameide-ext/runtime/testing/service";
import { createRuntimeClient, type RuntimeClient, userContext } from "@ameide-ext/sdk";
import { evaluate } from "feelin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { L2O_PRICING_TASK, type TaskMapping } from "./l2o-pricing-task.js";
import { buildParityHook, PARITY_HOOKS } from "./parity-hooks.js";

type Vars = Record<string, unknown>;

/** Writes `value` at a dotted path of `into`. */
function setPath(into: Vars, path: string, value: unknown): void {
  const keys = path.split(".");
  let at = into;
  for (const key of keys.slice(0, -1)) {
    at[key] ??= {};
    at = at[key] as Vars;
  }
  at[keys[keys.length - 1] as string] = value;
}

/** Applies mappings to `from` as the SDK's Extension Task does: FEEL after "=", a null input left out. */
function applyMappings(mappings: readonly TaskMapping[], from: Vars, into: Vars, keepNull: boolean): Vars {
  for (const m of mappings) {
    const value = m.source.startsWith("=") ? evaluate(m.source.slice(1), from).value : m.source;
    if (value !== null || keepNull) setPath(into, m.target, value);
  }
  return into;
}

describe("the pricing BAdI as the L2O pricing Extension Task", () => {
  let dir: string;
  let server: RuntimeServer;
  let client: RuntimeClient;

  /** The task, as an engine's job handler runs it: variables in, variables out. */
  const priceQuote = async (variables: Vars): Promise<Vars> => {
    const input = applyMappings(L2O_PRICING_TASK.inputs, variables, {}, false);
    const ctx = userContext({ tenantId: "acme", userId: "u-42", correlationId: "pi-7/price-quote" });
    const r = await client.invoke({
      extensionId: L2O_PRICING_TASK.extensionId,
      ctx,
      input,
      timeoutMs: 5_000,
    });
    if (r.outcome !== "ok") throw new Error(`the task failed: ${JSON.stringify(r)}`);
    return applyMappings(L2O_PRICING_TASK.outputs, r.output as Vars, structuredClone(variables), true);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-parity-l2o-"));
    const issuer = await createLocalTokenIssuer({ dir });
    const ref = await writeModule(dir, "pricing-badi", await buildParityHook("pricing-badi"));
    const rt = await createRuntime({
      catalog: createCatalog({
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "pricing-badi",
            version: "1",
            kind: "domain_hook",
            risk_tier: "low",
            wasm_blob_ref: ref,
          },
        ],
        runtime: { pool: { size: 1 }, auth: issuer.auth },
      }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    await rt.preload();
    server = await startRuntimeServer(rt, { port: 0 });
    client = createRuntimeClient({
      baseUrl: server.url as string,
      token: () => issuer.mint({ subject: "l2o-process", tenants: ["acme"] }),
    });
  }, 300_000);

  afterAll(async () => {
    client?.close();
    await server?.shutdown(1_000);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the BPMN file's Extension Task is the one the code defines: same extension, same mappings", async () => {
    const xml = await readFile(join(PARITY_HOOKS["pricing-badi"], "..", "l2o-pricing.bpmn"), "utf8");
    const mappings = (kind: string) =>
      [...xml.matchAll(new RegExp(`<ameide:${kind} source="([^"]*)" target="([^"]*)"`, "g"))].map((m) => ({
        source: m[1],
        target: m[2],
      }));
    expect(xml).toContain(`<ameide:extensionTask extensionId="${L2O_PRICING_TASK.extensionId}"`);
    expect(mappings("input")).toEqual(L2O_PRICING_TASK.inputs);
    expect(mappings("output")).toEqual(L2O_PRICING_TASK.outputs);
  });

  it("prices a quote's lines with the tenant's ladder and puts netTotal on the quote; pricing.ok routes on", async () => {
    const quote = {
      id: "Q-7",
      dealId: "D-1042",
      customerId: "C-77",
      currency: "EUR",
      lines: [
        { sku: "WIDGET-10", quantity: 60, unitPrice: 200, discountPct: 12 },
        { sku: "BOLT-5", quantity: 4, unitPrice: 2.5, discountPct: 0 },
      ],
    };
    const out = await priceQuote({ quote, stage: "proposal" });
    expect(out).toMatchObject({
      stage: "proposal",
      pricing: { ok: true, messages: [] },
      quote: { id: "Q-7", dealId: "D-1042", netTotal: 10570 },
    });
    expect((out.quote as { pricedLines: unknown[] }).pricedLines).toHaveLength(2);
  });

  it("a quote line without a price: pricing.ok is false with PRICE_MISSING, for the gateway's fix-prices path", async () => {
    const quote = { id: "Q-8", currency: "EUR", lines: [{ sku: "SPARE-KIT", quantity: 1 }] };
    const out = await priceQuote({ quote });
    expect(out.pricing).toMatchObject({
      ok: false,
      messages: [{ code: "PRICE_MISSING", field: "lines[0].unitPrice" }],
    });
    expect(out.quote).toMatchObject({ netTotal: 0, pricedLines: [] });
  });

  it("a quote without lines reaches the BAdI as an order without lines: NO_LINES", async () => {
    const out = await priceQuote({ quote: { id: "Q-9", currency: "EUR" } });
    expect(out.pricing).toMatchObject({ ok: false, messages: [{ code: "NO_LINES" }] });
  });
});
