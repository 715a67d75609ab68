import { DEFAULT_LIMITS, DEFAULT_SIZE_LIMITS, isExtensionError } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { sha256Hex, validateComponent } from "../../index.js";
import { guest, watComponent } from "../../testing/wat-component.js";

/** The ExtensionError a promise rejects with, as plain data. */
async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isExtensionError(error)).toBe(true);
  return error as { code: string; reason: string | undefined; details: Record<string, unknown> | undefined };
}

describe("validateComponent()", () => {
  it("accepts a component of the contract world and reports its digest, size, world and limits", async () => {
    const bytes = await watComponent(guest("(call $ok (local.get $ptr) (local.get $len))"));
    const valid = await validateComponent(bytes, { memoryMb: 8 });
    expect(valid.sha256).toBe(sha256Hex(bytes));
    expect(valid.sizeBytes).toBe(bytes.byteLength);
    expect(valid.wit).toContain("export run");
    expect(valid.limits).toEqual({ ...DEFAULT_LIMITS, memoryMb: 8 });
  });

  it("refuses a core module (not a component) with invalid_argument/not_a_component", async () => {
    const error = await refusal(validateComponent(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])));
    expect(error.code).toBe("invalid_argument");
    expect(error.reason).toBe("not_a_component");
  });

  it("refuses a component whose start function traps with invalid_argument/invalid_module, cause trap", async () => {
    const bytes = await watComponent(
      guest("(call $ok (local.get $ptr) (local.get $len))", "(func $boom unreachable) (start $boom)"),
    );
    const error = await refusal(validateComponent(bytes));
    expect(error.code).toBe("invalid_argument");
    expect(error.reason).toBe("invalid_module");
    expect(error.details?.cause).toBe("trap");
  });

  it("refuses a component over the module-size limit with invalid_argument/module_size", async () => {
    const bytes = await watComponent(guest("(call $ok (local.get $ptr) (local.get $len))"));
    const error = await refusal(validateComponent(bytes, {}, { moduleBytes: bytes.byteLength - 1 }));
    expect(error).toMatchObject({ code: "invalid_argument", reason: "module_size" });
    expect(error.details).toEqual({ actual: bytes.byteLength, limit: bytes.byteLength - 1 });
    expect(DEFAULT_SIZE_LIMITS.moduleBytes).toBeGreaterThan(bytes.byteLength);
  });

  it("refuses limits out of bounds with invalid_argument, before reading the bytes", async () => {
    const error = await refusal(validateComponent(new Uint8Array(), { memoryMb: 0 }));
    expect(error).toMatchObject({ code: "invalid_argument", reason: "invalid_limits" });
  });
});
