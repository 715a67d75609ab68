import { InvokeExtensionResponseSchema, Outcome } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { agentContext } from "../execution-context.js";
import { createInProcessClient } from "../runtime-client.js";
import { extensionTool } from "./extension-tool.js";
import { createToolset } from "./toolset.js";

const ctx = agentContext({ tenantId: "acme", agentId: "coach", correlationId: "run-1" });
const schema = { type: "object", properties: { n: { type: "integer" } } };
const seen: string[] = [];
const client = createInProcessClient({
  async invokeExtension(req) {
    seen.push(req.extensionId);
    return create(InvokeExtensionResponseSchema, {
      outcome: Outcome.OK,
      resolvedVersion: "1",
      outputJson: new TextEncoder().encode(JSON.stringify({ from: req.extensionId })),
    });
  },
});
const risk = extensionTool(client, { id: "opportunity-risk", description: "Risk.", input_schema: schema });
const margin = extensionTool(client, { id: "margin-check", description: "Margin.", input_schema: schema });

describe("createToolset()", () => {
  it("lists its tools in each agent format, in the order given", () => {
    const tools = createToolset([risk, margin]);
    expect(tools.mcp.map((t) => t.name)).toEqual(["opportunity-risk", "margin-check"]);
    expect(tools.openai.map((t) => t.function.name)).toEqual(["opportunity-risk", "margin-check"]);
    expect(tools.anthropic).toEqual([risk.anthropic, margin.anthropic]);
  });

  it("calls the tool the model named", async () => {
    const tools = createToolset([risk, margin]);
    expect(await tools.invoke("margin-check", { n: 1 }, ctx)).toMatchObject({
      isError: false,
      output: { from: "margin-check" },
    });
    expect(seen.at(-1)).toBe("margin-check");
  });

  it("throws not_found for a name it does not hold (a protocol error: the model cannot fix the tool list)", async () => {
    const before = seen.length;
    await expect(createToolset([risk]).invoke("nope", {}, ctx)).rejects.toMatchObject({
      code: "not_found",
      details: { name: "nope", known: ["opportunity-risk"] },
    });
    expect(seen.length).toBe(before);
  });

  it("refuses two tools of one name at creation (two ids that map to one name)", () => {
    const dotted = extensionTool(client, { id: "crm.risk", description: "d", input_schema: schema });
    const slashed = extensionTool(client, { id: "crm/risk", description: "d", input_schema: schema });
    expect(() => createToolset([dotted, slashed])).toThrowError(
      expect.objectContaining({
        code: "invalid_argument",
        reason: "invalid_input",
        details: { name: "crm_risk" },
      }),
    );
  });
});
