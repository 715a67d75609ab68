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
    // A refusal by a named rule of the registry: its own code, whatever the rule's error code.
    [{ code: "permission_denied", details: { rule: "self_approval" } }, EXIT_CODES.refused],
    [{ code: "permission_denied", details: { rule: "agent_cannot_approve" } }, EXIT_CODES.refused],
    [{ code: "permission_denied", details: { rule: "agent_environment" } }, EXIT_CODES.refused],
    [{ code: "failed_precondition", details: { rule: "no_pending_promotion" } }, EXIT_CODES.refused],
    [{ code: "resource_exhausted", details: { rule: "agent_rate" } }, EXIT_CODES.refused],
    [{ code: "permission_denied" }, EXIT_CODES.failed],
    [{ code: "unauthenticated", details: { rule: "unauthenticated" } }, EXIT_CODES.failed],
  ] as const)("maps %o to %i", (error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });

  it("gives a refusal by rule a code of its own, 3, beside 0, 1 and 2", () => {
    expect(EXIT_CODES).toEqual({ ok: 0, failed: 1, usage: 2, refused: 3 });
  });
});
