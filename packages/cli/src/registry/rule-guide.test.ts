import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { explainRule, RULE_FIXES } from "./rule-guide.js";

const registryDoc = readFileSync(new URL("../../../../docs/registry.md", import.meta.url), "utf8");

describe("explainRule()", () => {
  it("has a fix for every rule docs/registry.md says the registry refuses by", () => {
    const rules = [
      ...registryDoc.matchAll(
        /^\| `([a-z_]+)` \| (?:unauthenticated|permission_denied|failed_precondition|resource_exhausted|invalid_argument|not_found) \|/gm,
      ),
    ].map((m) => m[1] as string);
    expect(rules.length).toBeGreaterThan(15);
    for (const rule of rules) expect(explainRule(rule)?.fix, rule).toEqual(expect.any(String));
  });

  it("gives each rule the code docs/registry.md says its refusal carries", () => {
    for (const m of registryDoc.matchAll(
      /^\| `([a-z_]+)` \| (unauthenticated|permission_denied|failed_precondition|resource_exhausted|invalid_argument|not_found) \|/gm,
    ))
      expect(RULE_FIXES[m[1] as string]?.code, m[1]).toBe(m[2]);
  });

  it("tells an agent that approvals are a human's, and names the guardrails of issue 14", () => {
    expect(explainRule("agent_cannot_approve")?.fix).toMatch(/human/);
    for (const rule of ["agent_risk_tier", "agent_environment", "agent_rate", "workspace_root"])
      expect(RULE_FIXES[rule], rule).toBeDefined();
  });

  it("knows no fix for a rule it has never heard of", () => {
    expect(explainRule("made_up")).toBeUndefined();
  });
});

describe("host_call_not_read_only", () => {
  it("its fix says how to declare the method read-only on ameide-ext dev, where the developer is the operator", () => {
    expect(explainRule("host_call_not_read_only")?.fix).toContain("--read-only <service>/<method>");
  });
});
