import { describe, expect, it } from "vitest";
import { EXIT_CODES, exitCodeFor } from "./exit-code.js";

describe("exitCodeFor()", () => {
  it.each([
    [{ code: "invalid_argument" }, EXIT_CODES.usage],
    [{ code: "invalid_argument", reason: "invalid_manifest" }, EXIT_CODES.usage],
    [{ code: "invalid_argument", reason: "invalid_input" }, EXIT_CODES.usage],
    [{ code: "not_found" }, EXIT_CODES.usage],
    [{ code: "failed_precondition" }, EXIT_CODES.usage],
    [{ code: "invalid_argument", reason: "compile_error" }, EXIT_CODES.failed],
    [{ code: "invalid_argument", reason: "forbidden_import" }, EXIT_CODES.failed],
    [{ code: "resource_exhausted", reason: "fuel" }, EXIT_CODES.failed],
    [{ code: "failed_precondition", reason: "integrity" }, EXIT_CODES.failed],
    [{ code: "internal" }, EXIT_CODES.failed],
  ] as const)("maps %o to %i", (error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });
});
