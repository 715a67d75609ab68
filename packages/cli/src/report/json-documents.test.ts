import { ERROR_REASONS, ExtensionError, explainError } from "@ameide-ext/contract";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { RULE_FIXES } from "../registry/rule-guide.js";
import { toErrorDocument } from "./json-documents.js";
import { OUTPUT_SCHEMAS } from "./output-schemas.js";

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(OUTPUT_SCHEMAS.error);
const valid = (doc: unknown) => {
  const ok = validate(doc);
  return ok ? "valid" : ajv.errorsText(validate.errors);
};

const diagnostic = {
  file: "/h/src/index.ts",
  line: 3,
  column: 10,
  message: "Type 'string' is not assignable to type 'number'.",
  code: "TS2322",
  severity: "error",
  sourceLine: "  const n: number = 'x';",
  length: 1,
};

describe("toErrorDocument()", () => {
  it("adds details.fix from the contract's error guide, by reason, else by code", () => {
    for (const reason of ERROR_REASONS) {
      const doc = toErrorDocument(new ExtensionError(explainError({ reason }).code, "x", reason));
      expect(doc.error.details?.fix, reason).toBe(explainError({ reason }).fix);
    }
    const plain = toErrorDocument(new ExtensionError("not_found", "no hook in /x"));
    expect(plain.error.details?.fix).toBe(explainError({ code: "not_found" }).fix);
    expect(valid(plain)).toBe("valid");
  });

  it("gives a refusal the fix of its rule, and keeps a fix the error brings", () => {
    const refusal = new ExtensionError("permission_denied", "no", undefined, { rule: "self_approval" });
    expect(toErrorDocument(refusal).error.details).toEqual({
      rule: "self_approval",
      fix: RULE_FIXES.self_approval?.fix,
    });
    const own = new ExtensionError("permission_denied", "no", undefined, {
      rule: "self_approval",
      fix: "ask ann",
    });
    expect(toErrorDocument(own).error.details?.fix).toBe("ask ann");
  });

  it("types details by reason: compile_error needs diagnostics[], invalid_manifest problems[]", () => {
    const compile = toErrorDocument(
      new ExtensionError("invalid_argument", "bad", "compile_error", { diagnostics: [diagnostic] }),
    );
    expect(valid(compile)).toBe("valid");
    const noDiagnostics = toErrorDocument(new ExtensionError("invalid_argument", "bad", "compile_error"));
    expect(valid(noDiagnostics)).toMatch(/diagnostics/);
    const badDiagnostic = toErrorDocument(
      new ExtensionError("invalid_argument", "bad", "compile_error", { diagnostics: [{ line: "3" }] }),
    );
    expect(valid(badDiagnostic)).not.toBe("valid");

    const problems = [{ field: "limits.memory_mb", message: "must be <= 1024" }];
    const manifest = new ExtensionError("invalid_argument", "bad", "invalid_manifest", {
      file: "e.json",
      problems,
    });
    expect(valid(toErrorDocument(manifest))).toBe("valid");
    const noProblems = new ExtensionError("invalid_argument", "bad", "invalid_manifest", { file: "e.json" });
    expect(valid(toErrorDocument(noProblems))).toMatch(/problems/);
  });

  it("types a refusal's details: the rule, and who may approve instead", () => {
    const mayApprove = { approvers: [], excluded: ["user:ann"], eligible: ["user:bob"] };
    const refusal = new ExtensionError("permission_denied", "no", undefined, {
      rule: "self_approval",
      mayApprove,
    });
    expect(valid(toErrorDocument(refusal))).toBe("valid");
    const wrong = new ExtensionError("permission_denied", "no", undefined, {
      rule: "self_approval",
      mayApprove: { eligible: "user:bob" },
    });
    expect(valid(toErrorDocument(wrong))).not.toBe("valid");
  });

  it("refuses a code or reason outside the closed sets", () => {
    const doc = { ok: false, error: { code: "oops", reason: null, message: "x", details: { fix: "y" } } };
    expect(valid(doc)).not.toBe("valid");
  });
});
