import { describe, expect, it } from "vitest";
import { serviceBatchTime } from "./batch-log-latency.js";

const line = (o: Record<string, unknown>) => JSON.stringify(o);

describe("serviceBatchTime", () => {
  it("takes the median latency_ms of the extension's invocation_batch lines, skipping others and cut lines", () => {
    const log = [
      line({ event: "invocation_batch", extension_id: "invoice-line", latency_ms: 1.5 }),
      line({ event: "invocation", extension_id: "invoice-line", latency_ms: 0.01 }),
      line({ event: "invocation_batch", extension_id: "deal", latency_ms: 9 }),
      line({ event: "invocation_batch", extension_id: "invoice-line", latency_ms: 1.1 }),
      '{"event":"invocation_batch","extension_id":"invoice-line","latency_ms":',
      line({ event: "invocation_batch", extension_id: "invoice-line", latency_ms: "2" }),
      line({ event: "invocation_batch", extension_id: "invoice-line", latency_ms: 1.3 }),
    ].join("\n");
    expect(serviceBatchTime(log, "invoice-line")).toEqual({ p50Ms: 1.3, batches: 3 });
  });

  it("says NaN when the log holds no batch of the extension", () => {
    expect(serviceBatchTime("", "invoice-line")).toEqual({ p50Ms: Number.NaN, batches: 0 });
  });
});
