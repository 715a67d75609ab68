import { ExtensionError } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { parseCatalog } from "../catalog/parse-catalog.js";
import {
  batchReadMaxBytes,
  checkBatchSize,
  DEFAULT_BATCH_MAX_BYTES,
  DEFAULT_BATCH_MAX_INPUTS,
} from "./batch-size.js";
import { resolveRuntimeSettings } from "./runtime-settings.js";

function refusal(fn: () => unknown): ExtensionError {
  try {
    fn();
  } catch (cause) {
    return ExtensionError.from(cause);
  }
  throw new Error("not refused");
}

describe("checkBatchSize()", () => {
  const caps = { maxInputs: 3, maxBytes: 10 };
  const bytes = (n: number) => new Uint8Array(n);

  it("lets a batch within both caps through", () => {
    expect(() => checkBatchSize([bytes(5), bytes(5)], caps)).not.toThrow();
  });

  it("refuses no input, too many inputs and too many bytes with invalid_argument/batch_size", () => {
    const none = refusal(() => checkBatchSize([], caps));
    const many = refusal(() => checkBatchSize([bytes(1), bytes(1), bytes(1), bytes(1)], caps));
    const heavy = refusal(() => checkBatchSize([bytes(6), bytes(5)], caps));
    for (const e of [none, many, heavy])
      expect([e.code, e.reason]).toEqual(["invalid_argument", "batch_size"]);
    expect(many.details).toEqual({ inputs: 4, limit: 3 });
    expect(heavy.details).toEqual({ bytes: 11, limit: 10 });
    expect(many.message).toContain("4 inputs, the limit is 3");
  });

  it("lets the server read a body of the caps' worth as base64 in JSON, and no more than about that", () => {
    const caps = { maxInputs: DEFAULT_BATCH_MAX_INPUTS, maxBytes: DEFAULT_BATCH_MAX_BYTES };
    expect(batchReadMaxBytes(caps)).toBeGreaterThan((DEFAULT_BATCH_MAX_BYTES * 4) / 3);
    expect(batchReadMaxBytes(caps)).toBeLessThan((DEFAULT_BATCH_MAX_BYTES * 4) / 3 + 128 * 1024);
  });
});

describe("runtime settings: batch", () => {
  it("defaults to 1,000 inputs, 4 MiB and 60 s", () => {
    expect(resolveRuntimeSettings().batch).toEqual({
      maxInputs: 1000,
      maxBytes: 4 * 1024 * 1024,
      maxMs: 60_000,
    });
  });

  it("takes the catalog's runtime.batch, and the environment over it", () => {
    expect(resolveRuntimeSettings({ batch: { max_inputs: 10, max_bytes: 2048, max_ms: 500 } }).batch).toEqual(
      { maxInputs: 10, maxBytes: 2048, maxMs: 500 },
    );
    const env = {
      AMEIDE_RUNTIME_BATCH_MAX_INPUTS: "20",
      AMEIDE_RUNTIME_BATCH_MAX_BYTES: "4096",
      AMEIDE_RUNTIME_BATCH_MAX_MS: "2000",
    };
    expect(resolveRuntimeSettings({ batch: { max_inputs: 10, max_ms: 500 } }, env).batch).toEqual({
      maxInputs: 20,
      maxBytes: 4096,
      maxMs: 2000,
    });
  });

  it("refuses a bad value in the environment or the catalog", () => {
    const env = refusal(() => resolveRuntimeSettings({}, { AMEIDE_RUNTIME_BATCH_MAX_INPUTS: "0" }));
    expect([env.code, env.details]).toEqual([
      "invalid_argument",
      { variable: "AMEIDE_RUNTIME_BATCH_MAX_INPUTS" },
    ]);
    const file = refusal(() =>
      parseCatalog("env: dev\nextensions: []\nruntime: { batch: { max_inputs: 0 } }\n"),
    );
    expect(file.code).toBe("invalid_argument");
    expect(refusal(() => resolveRuntimeSettings({}, { AMEIDE_RUNTIME_BATCH_MAX_MS: "0" })).code).toBe(
      "invalid_argument",
    );
    const noTime = refusal(() =>
      parseCatalog("env: dev\nextensions: []\nruntime: { batch: { max_ms: 3600001 } }\n"),
    );
    expect(noTime.code).toBe("invalid_argument");
  });
});
