import { ExtensionError } from "@ameide-ext/contract";
import {
  BatchStatsSchema,
  type InvokeExtensionBatchRequest,
  type InvokeExtensionBatchResponse,
  InvokeExtensionBatchResponseSchema,
  Outcome,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { userContext } from "./execution-context.js";
import { createInProcessClient } from "./runtime-client.js";

const decoder = new TextDecoder();
const ctx = userContext({ tenantId: "acme", userId: "u-1", correlationId: "invoice-9" });
const fast = { retry: { initialDelayMs: 1, maxDelayMs: 2 } };

/** A batch answer with one result per step: "ok" echoes its input, "fail" a business error, a code a technical error. */
function answer(req: InvokeExtensionBatchRequest, steps: string[]): InvokeExtensionBatchResponse {
  return create(InvokeExtensionBatchResponseSchema, {
    resolvedVersion: "4",
    moduleSha256: "ab".repeat(32),
    results: req.inputsJson.map((input, i) => {
      const step = steps[i] ?? "ok";
      const base = { resolvedVersion: "4", stats: { fuelUsed: 10n } };
      if (step === "ok") return { ...base, outcome: Outcome.OK, outputJson: input };
      if (step === "fail")
        return { ...base, outcome: Outcome.BUSINESS_ERROR, errorCode: "NEGATIVE_QTY", errorMsg: "no" };
      const [code, reason] = step.split("/");
      return {
        ...base,
        outcome: Outcome.TECHNICAL_ERROR,
        errorCode: code,
        errorReason: reason,
        errorMsg: step,
      };
    }),
  });
}

/** A runtime double: batches answered by `reply`, each request recorded. */
function runtimeDouble(reply: (req: InvokeExtensionBatchRequest, n: number) => InvokeExtensionBatchResponse) {
  const requests: InvokeExtensionBatchRequest[] = [];
  return {
    requests,
    async invokeExtension(): Promise<never> {
      throw new Error("invokeMany must not call InvokeExtension");
    },
    async invokeExtensionBatch(req: InvokeExtensionBatchRequest) {
      requests.push(req);
      return reply(req, requests.length);
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<ExtensionError> {
  try {
    await p;
  } catch (cause) {
    return ExtensionError.from(cause);
  }
  throw new Error("not rejected");
}

describe("RuntimeClient.invokeMany()", () => {
  it("sends every input in one request and reads each answer on its own, a technical error as a value", async () => {
    const rt = runtimeDouble((req) => answer(req, ["ok", "fail", "invalid_argument/input_size", "ok"]));
    const client = createInProcessClient(rt);
    const lines = [{ sku: "A", qty: 1 }, { sku: "B", qty: -1 }, "x".repeat(10), { sku: "D", qty: 4 }];
    const r = await client.invokeMany<{ sku: string }>("price-line", lines, ctx, { version: "4" });
    expect(rt.requests).toHaveLength(1);
    const req = rt.requests[0] as InvokeExtensionBatchRequest;
    expect([req.extensionId, req.version, req.ctx?.tenantId, req.ctx?.correlationId]).toEqual([
      "price-line",
      "4",
      "acme",
      "invoice-9",
    ]);
    expect(req.inputsJson.map((b) => decoder.decode(b))).toEqual([
      '{"sku":"A","qty":1}',
      '{"sku":"B","qty":-1}',
      "xxxxxxxxxx",
      '{"sku":"D","qty":4}',
    ]);
    expect([r.resolvedVersion, r.moduleSha256]).toEqual(["4", "ab".repeat(32)]);
    expect(r.results.map((x) => x.outcome)).toEqual(["ok", "business_error", "technical_error", "ok"]);
    const [first, second, third] = r.results;
    expect(first?.outcome === "ok" && first.output).toEqual({ sku: "A", qty: 1 });
    expect(second?.outcome === "business_error" && second.businessError.code).toBe("NEGATIVE_QTY");
    expect(third?.outcome === "technical_error" && [third.error.code, third.error.reason]).toEqual([
      "invalid_argument",
      "input_size",
    ]);
    expect(third?.resolvedVersion).toBe("4");
    expect(first?.stats.fuelUsed).toBe(10);
  });

  it("reads each result's stats from the batch's columns, a list left empty as 0 for every answer", async () => {
    const rt = runtimeDouble((req) => {
      const res = answer(req, ["ok", "fail", "unavailable/overloaded"]);
      for (const r of res.results) r.stats = undefined;
      res.stats = create(BatchStatsSchema, {
        fuelUsed: [120, 95, 0],
        fuelLimit: [6e10, 6e10, 0],
        durationUs: [3, 2, 0],
        outputBytes: [2, 30, 0],
      });
      return res;
    });
    const r = await createInProcessClient(rt).invokeMany("price-line", [{}, {}, {}], ctx);
    expect(r.results.map((x) => x.stats)).toEqual([
      {
        fuelUsed: 120,
        fuelLimit: 6e10,
        peakMemoryBytes: 0,
        memoryLimitBytes: 0,
        durationUs: 3,
        outputBytes: 2,
        hostCalls: 0,
      },
      {
        fuelUsed: 95,
        fuelLimit: 6e10,
        peakMemoryBytes: 0,
        memoryLimitBytes: 0,
        durationUs: 2,
        outputBytes: 30,
        hostCalls: 0,
      },
      {
        fuelUsed: 0,
        fuelLimit: 0,
        peakMemoryBytes: 0,
        memoryLimitBytes: 0,
        durationUs: 0,
        outputBytes: 0,
        hostCalls: 0,
      },
    ]);
    const third = r.results[2];
    expect(third?.outcome === "technical_error" && third.error.details?.stats).toEqual(third?.stats);
  });

  it("fills each result's resolved version and module sha256 from the batch's when the runtime leaves them empty", async () => {
    const sha = "cd".repeat(32);
    const rt = runtimeDouble((req) => {
      const res = answer(req, ["ok", "fail", "unavailable/overloaded"]);
      res.moduleSha256 = sha;
      for (const r of res.results) {
        r.resolvedVersion = "";
        r.moduleSha256 = "";
      }
      return res;
    });
    const r = await createInProcessClient(rt).invokeMany("price-line", [{}, {}, {}], ctx);
    expect(r.results.map((x) => [x.outcome, x.resolvedVersion, x.moduleSha256])).toEqual([
      ["ok", "4", sha],
      ["business_error", "4", sha],
      ["technical_error", "4", sha],
    ]);
    const third = r.results[2];
    expect(third?.outcome === "technical_error" && third.error.details).toMatchObject({
      resolvedVersion: "4",
      moduleSha256: sha,
    });
  });

  it("keeps a result's own resolved version and module sha256 when the runtime set them", async () => {
    const rt = runtimeDouble((req) => {
      const res = answer(req, ["ok"]);
      const only = res.results[0];
      if (only) [only.resolvedVersion, only.moduleSha256] = ["5", "ef".repeat(32)];
      return res;
    });
    const r = await createInProcessClient(rt).invokeMany("price-line", [{}], ctx);
    expect([r.results[0]?.resolvedVersion, r.results[0]?.moduleSha256]).toEqual(["5", "ef".repeat(32)]);
  });

  it("counts a batch as one call of the extension for chattiness", async () => {
    const heard: unknown[] = [];
    const client = createInProcessClient(
      runtimeDouble((req) => answer(req, [])),
      {
        chattiness: { threshold: 2, onChatty: (e) => heard.push(e) },
      },
    );
    const lines = Array.from({ length: 50 }, (_, i) => ({ line: i }));
    await client.invokeMany("price-line", lines, ctx, { hookPoint: "sales/PriceInvoice" });
    await client.invokeMany("price-line", lines, ctx, { hookPoint: "sales/PriceInvoice" });
    expect(heard).toEqual([]);
    await client.invokeMany("price-line", lines, ctx, { hookPoint: "sales/PriceInvoice" });
    expect(heard).toMatchObject([{ extensionId: "price-line", calls: 3, hookPoint: "sales/PriceInvoice" }]);
  });

  it("throws what refuses the whole batch, with its code and reason (batch_size)", async () => {
    const client = createInProcessClient({
      invokeExtension: async () => {
        throw new Error("unused");
      },
      invokeExtensionBatch: async () => {
        throw new ExtensionError(
          "invalid_argument",
          "the batch has 1001 inputs, the limit is 1000",
          "batch_size",
        );
      },
    });
    const err = await rejection(client.invokeMany("price-line", [{}], ctx));
    expect([err.code, err.reason]).toEqual(["invalid_argument", "batch_size"]);
  });

  it("retries a batch the runtime answered unavailable, and returns the answer that follows", async () => {
    const rt = runtimeDouble((req, n) => {
      if (n === 1) throw new ExtensionError("unavailable", "draining", "shutting_down");
      return answer(req, []);
    });
    const client = createInProcessClient(rt, fast);
    const r = await client.invokeMany("price-line", [{ a: 1 }], ctx);
    expect(rt.requests).toHaveLength(2);
    expect(r.results[0]?.outcome).toBe("ok");
  });

  it("refuses an input that cannot be serialized, naming it, without a request", async () => {
    const rt = runtimeDouble((req) => answer(req, []));
    const client = createInProcessClient(rt);
    const err = await rejection(client.invokeMany("price-line", [{}, undefined], ctx));
    expect([err.code, err.reason, err.details]).toEqual(["invalid_argument", "invalid_input", { index: 1 }]);
    expect(err.message).toContain("inputs[1]");
    expect(rt.requests).toHaveLength(0);
  });

  it("refuses an answer whose count of results differs from the inputs (internal)", async () => {
    const client = createInProcessClient(
      runtimeDouble((req) => {
        const res = answer(req, []);
        res.results.pop();
        return res;
      }),
    );
    const err = await rejection(client.invokeMany("price-line", [{}, {}], ctx));
    expect([err.code, err.reason]).toEqual(["internal", "invalid_output"]);
  });

  it("says so when an in-process runtime has no batch method (failed_precondition)", async () => {
    const client = createInProcessClient({
      invokeExtension: async () => {
        throw new Error("unused");
      },
    });
    const err = await rejection(client.invokeMany("price-line", [{}], ctx));
    expect(err.code).toBe("failed_precondition");
    expect(err.message).toContain("invokeExtensionBatch");
  });
});
