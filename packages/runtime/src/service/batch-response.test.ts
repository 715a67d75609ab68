import { ExtensionError } from "@ameide-ext/contract";
import { BatchStatsSchema, InvokeExtensionResponseSchema, Outcome } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { InvocationResult } from "../engine/types.js";
import type { BatchItem } from "./batch-dispatch.js";
import { batchResponse, startedAt } from "./batch-response.js";

const stats: InvocationResult["stats"] = {
  fuelUsed: 100,
  fuelLimit: 1_000,
  peakMemoryBytes: 65_536,
  memoryLimitBytes: 1_048_576,
  durationUs: 4,
  outputBytes: 2,
  outputLimitBytes: 65_536,
  hostCalls: 0,
};
const ok = (output: string): BatchItem => ({
  result: { outcome: "ok", output, stats, logs: [] },
  latencyMs: 0.01,
});
const decoder = new TextDecoder();

describe("batchResponse()", () => {
  it("writes each output's own UTF-8 bytes, multi-byte text, an empty document and failures among them", () => {
    const outputs = ['{"net":1}', '{"label":"prix 12 €"}', "", '{"e":"😀"}', '"日本"', '"\uD800 lone"'];
    const items = [
      ...outputs.map(ok),
      { error: new ExtensionError("resource_exhausted", "over", "fuel"), latencyMs: 0.1 },
      ok('{"last":true}'),
    ];
    const response = batchResponse({
      count: items.length,
      items,
      refusal: undefined,
      module: { version: "2", sha256: "ef" },
    });
    const read = response.results.map((r) => decoder.decode(r.outputJson));
    // A lone surrogate goes out as U+FFFD, as TextEncoder writes it.
    const utf8 = (text: string) => decoder.decode(new TextEncoder().encode(text));
    expect(read).toEqual([...outputs.map(utf8), "", '{"last":true}']);
    expect(read[5]).toBe('"\uFFFD lone"');
    // Each answer's bytes are its own: no view reaches into the next output.
    for (const [i, r] of response.results.entries())
      expect(r.outputJson.length).toBe(new TextEncoder().encode(read[i]).length);
    expect(response.results[6]?.outcome).toBe(Outcome.TECHNICAL_ERROR);
    // Its stats are the batch's, column by column: the failure's are 0, host calls 0 for every input.
    expect(response.results[1]).toStrictEqual(
      create(InvokeExtensionResponseSchema, {
        outcome: Outcome.OK,
        outputJson: new TextEncoder().encode('{"label":"prix 12 €"}'),
      }),
    );
    const column = (v: number) => [...Array(6).fill(v), 0, v];
    expect(response.stats).toStrictEqual(
      create(BatchStatsSchema, {
        fuelUsed: column(100),
        fuelLimit: column(1_000),
        peakMemoryBytes: column(65_536),
        memoryLimitBytes: column(1_048_576),
        durationUs: column(4),
        outputBytes: column(2),
        hostCalls: [],
      }),
    );
  });

  it("answers every input with the refusal when the batch never ran", () => {
    const refusal = new ExtensionError("not_found", "no extension nope");
    const answer = { count: 3, items: undefined, refusal, module: undefined };
    const response = batchResponse(answer);
    expect(response.results.map((r) => [r.outcome, r.errorCode])).toEqual(
      Array(3).fill([Outcome.TECHNICAL_ERROR, "not_found"]),
    );
    expect([0, 1, 2].map((i) => startedAt(answer, i))).toEqual([false, false, false]);
  });
});
