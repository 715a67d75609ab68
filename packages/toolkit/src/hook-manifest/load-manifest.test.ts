import { DEFAULT_LIMITS, isExtensionError } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { checkManifest } from "./load-manifest.js";

const minimal = () => ({
  id: "deal-approval",
  kind: "process_hook",
  abi: "json_in_json_out_v1",
  version: "1",
  risk_tier: "low",
  metadata: { description: "Routes big low-margin deals to an extra approval.", created_by: "user:42" },
});

/** The problems an invalid manifest is refused with, or fails the test. */
function problemsOf(value: unknown): Array<{ field: string; message: string }> {
  try {
    checkManifest(value);
  } catch (e) {
    expect(isExtensionError(e)).toBe(true);
    const err = e as {
      code: string;
      reason: string;
      details: { problems: Array<{ field: string; message: string }> };
    };
    expect(err.code).toBe("invalid_argument");
    expect(err.reason).toBe("invalid_manifest");
    return err.details.problems;
  }
  throw new Error("the manifest was accepted");
}

describe("checkManifest()", () => {
  it("fills in the lang, limits, host_calls and tags defaults", () => {
    const { manifest } = checkManifest(minimal());
    expect(manifest.lang).toBe("assemblyscript");
    expect(manifest.limits).toEqual({
      cpu_millis: DEFAULT_LIMITS.cpuMillis,
      memory_mb: DEFAULT_LIMITS.memoryMb,
      timeout_ms: DEFAULT_LIMITS.timeoutMs,
    });
    expect(manifest.host_calls).toEqual([]);
    expect(manifest.metadata.tags).toEqual([]);
  });

  it.each([
    ["a limit over its bound", { limits: { memory_mb: 2048 } }, "limits.memory_mb", "<= 1024, got 2048"],
    ["a limit of the wrong type", { limits: { cpu_millis: "5" } }, "limits.cpu_millis", 'got "5"'],
    ["a zero timeout", { limits: { timeout_ms: 0 } }, "limits.timeout_ms", ">= 1, got 0"],
    ["an unknown kind", { kind: "hook" }, "kind", 'got "hook"'],
    ["another ABI", { abi: "wasi" }, "abi", 'must be "json_in_json_out_v1"'],
    ["an unknown language", { lang: "rust" }, "lang", '"assemblyscript", "typescript", got "rust"'],
    ["an id that is not kebab-case", { id: "Deal_Approval" }, "id", "kebab-case"],
    ["a numeric version", { version: 1 }, "version", "got 1"],
    ["an unknown risk tier", { risk_tier: "none" }, "risk_tier", 'got "none"'],
    ["a misspelt field", { limit: {} }, "limit", 'did you mean "limits"'],
    [
      "a creator without a kind",
      { metadata: { description: "x", created_by: "bob" } },
      "metadata.created_by",
      '"bob"',
    ],
    [
      "a host call without a method",
      { risk_tier: "high", host_calls: [{ service: "crm" }] },
      "host_calls[0].method",
      "required",
    ],
  ])("names the field of %s", (_, change, field, fragment) => {
    const problems = problemsOf({ ...minimal(), ...change });
    const problem = problems.find((p) => p.field === field);
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(problem?.message).toContain(fragment);
  });

  it("names a missing required field", () => {
    const { version: _, ...rest } = minimal();
    expect(problemsOf(rest)).toEqual([{ field: "version", message: "is required" }]);
  });

  it("lists every problem at once", () => {
    const problems = problemsOf({ ...minimal(), kind: "x", limits: { memory_mb: 0, cpu_millis: 99999 } });
    expect(problems.map((p) => p.field).sort()).toEqual(["kind", "limits.cpu_millis", "limits.memory_mb"]);
  });

  it("refuses host calls at risk tier low", () => {
    const problems = problemsOf({
      ...minimal(),
      host_calls: [{ service: "crm.Accounts", method: "Get", read_only: true }],
    });
    expect(problems.map((p) => p.field)).toEqual(["host_calls"]);
  });

  it("refuses a host call that writes at risk tier medium", () => {
    const problems = problemsOf({
      ...minimal(),
      risk_tier: "medium",
      host_calls: [{ service: "crm.Accounts", method: "Update" }],
    });
    expect(problems.map((p) => p.field)).toEqual(["host_calls[0].read_only"]);
  });

  it("refuses an input_schema that is not a JSON Schema", () => {
    const problems = problemsOf({ ...minimal(), input_schema: { type: "nonsense" } });
    expect(problems.map((p) => p.field)).toEqual(["input_schema"]);
  });

  it("checks outputs against output_schema", () => {
    const loaded = checkManifest({ ...minimal(), output_schema: { type: "object", required: ["route"] } });
    expect(loaded.checkOutput({ route: "standard" })).toEqual([]);
    expect(loaded.checkOutput({})).toEqual([{ field: "route", message: "is required" }]);
  });
});
