import { describe, expect, it } from "vitest";
import { countRoutings, firstInvocationTime, serviceBatchTime } from "./service-log.js";

const line = (o: Record<string, unknown>) => JSON.stringify(o);

describe("figures read from the service's log", () => {
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

  it("counts the key's routings to the pool, not its overruns that stayed inline nor another key's", () => {
    const log = [
      line({ event: "inline_overrun", key: "acme/invoice-line/1", routed: true }),
      line({ event: "inline_overrun", key: "acme/invoice-line/1", routed: false }),
      line({ event: "inline_overrun", key: "acme/deal/1", routed: true }),
      '{"event":"inline_overrun","key":"acme/invoice-line/1","rou',
      line({ event: "invocation", key: "acme/invoice-line/1", routed: true }),
      line({ event: "inline_overrun", key: "acme/invoice-line/1", routed: true }),
    ].join("\n");
    expect(countRoutings(log, "acme/invoice-line/1")).toBe(2);
  });

  it("reads the latency_ms of the first invocation line, after other events; NaN with none", () => {
    const log = [
      line({ event: "ready" }),
      line({ event: "invocation_batch", latency_ms: 9 }),
      line({ event: "invocation", latency_ms: 4.2 }),
      line({ event: "invocation", latency_ms: 0.3 }),
    ].join("\n");
    expect(firstInvocationTime(log)).toBe(4.2);
    expect(firstInvocationTime(line({ event: "ready" }))).toBeNaN();
  });
});
