import { describe, expect, it } from "vitest";
import { TOOL_NAME_PATTERN, toolNameFor } from "./tool-name.js";

const valid = new RegExp(TOOL_NAME_PATTERN);

describe("toolNameFor()", () => {
  it("keeps an extension id that is already a valid tool name (a hook id, kebab-case)", () => {
    expect(toolNameFor("opportunity-risk")).toBe("opportunity-risk");
    expect(toolNameFor("Score_v2")).toBe("Score_v2");
  });

  it("replaces each character MCP, OpenAI and Anthropic refuse with an underscore", () => {
    expect(toolNameFor("crm.opportunity/risk score")).toBe("crm_opportunity_risk_score");
    expect(toolNameFor("prix-révisé")).toBe("prix-r_vis_");
    expect(valid.test(toolNameFor("a:b@c#d"))).toBe(true);
  });

  it("shortens a long id to 64 characters with a hash of the whole id, so two long ids stay apart", () => {
    const a = toolNameFor(`${"x".repeat(80)}-a`);
    const b = toolNameFor(`${"x".repeat(80)}-b`);
    expect(a).toHaveLength(64);
    expect(valid.test(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(toolNameFor(`${"x".repeat(80)}-a`)).toBe(a);
    expect(toolNameFor("y".repeat(64))).toBe("y".repeat(64));
  });

  it("refuses an empty id with invalid_argument", () => {
    expect(() => toolNameFor("")).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_manifest" }),
    );
  });

  it("the pattern is the one the three tool formats share", () => {
    expect(TOOL_NAME_PATTERN).toBe("^[a-zA-Z0-9_-]{1,64}$");
  });
});
