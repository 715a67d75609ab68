import { describe, expect, it } from "vitest";
import { explainError } from "./error-guide.js";
import { ERROR_CODES, ERROR_REASONS } from "./extension-error.js";

describe("explainError()", () => {
  it("gives every closed reason a meaning and a fix", () => {
    for (const reason of ERROR_REASONS) {
      const guide = explainError({ reason });
      expect(guide.reason, reason).toBe(reason);
      expect(guide.meaning.length, reason).toBeGreaterThan(10);
      expect(guide.fix.length, reason).toBeGreaterThan(10);
    }
  });

  it("gives every closed code a meaning and a fix when no reason is known", () => {
    for (const code of ERROR_CODES) {
      const guide = explainError({ code });
      expect(guide.code, code).toBe(code);
      expect(guide.reason).toBeNull();
      expect(guide.meaning.length, code).toBeGreaterThan(10);
    }
  });

  it("names the code a reason comes with when only the reason is given", () => {
    expect(explainError({ reason: "fuel" }).code).toBe("resource_exhausted");
    expect(explainError({ reason: "host_call_denied" }).code).toBe("permission_denied");
  });

  it("refuses a code or reason outside the closed sets with invalid_argument", () => {
    expect(() => explainError({ reason: "made_up" })).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
    expect(() => explainError({ code: "teapot" })).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
    expect(() => explainError({})).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});
