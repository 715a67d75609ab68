import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { CatalogEntry } from "../catalog/parse-catalog.js";
import { captureLogger } from "../testing/service-fixtures.js";
import { createInvocationRecordings } from "./invocation-recordings.js";

const entry = (sample: number) =>
  ({ recording: { sample, sensitiveInput: false } }) as unknown as CatalogEntry;

/** Recordings over a store that keeps nothing, with a random source that counts its draws. */
function recordingsDrawing(values: number[]) {
  let draws = 0;
  const recordings = createInvocationRecordings({
    store: { location: "memory", put: async () => {}, list: async () => [], get: async () => undefined },
    settings: { location: "memory", maxBytes: 1 << 20, tenantDailyBytes: 1 << 30, queue: 10 },
    tapes: { hostCaller: {} as never, callsOf: () => [] },
    logger: captureLogger("silent").logger,
    registry: new Registry(),
    random: () => values[draws++ % values.length] as number,
  });
  return { recordings, draws: () => draws };
}

describe("InvocationRecordings.sampled()", () => {
  it("keeps every failure without a draw, and an ok invocation by one draw against its version's sample", () => {
    const { recordings, draws } = recordingsDrawing([0.1, 0.9]);
    expect(recordings.sampled(entry(0.5), "business_error")).toBe(true);
    expect(recordings.sampled(entry(0.5), "technical_error")).toBe(true);
    expect(draws()).toBe(0);
    expect([recordings.sampled(entry(0.5), "ok"), recordings.sampled(entry(0.5), "ok")]).toEqual([
      true,
      false,
    ]);
    expect(draws()).toBe(2);
  });

  it("keeps nothing, and draws nothing, for an invocation that resolved to no entry or once closed", async () => {
    const { recordings, draws } = recordingsDrawing([0]);
    expect(recordings.sampled(undefined, "technical_error")).toBe(false);
    expect(recordings.sampled(undefined, "ok")).toBe(false);
    await recordings.close(0);
    expect(recordings.sampled(entry(1), "technical_error")).toBe(false);
    expect(recordings.sampled(entry(1), "ok")).toBe(false);
    expect(draws()).toBe(0);
  });
});
