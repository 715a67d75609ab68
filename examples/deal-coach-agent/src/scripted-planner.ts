import type { McpTool } from "@ameide-ext/sdk/agent";
import { type Opportunity, opportunityFacts } from "./opportunity.js";

/** What a question about a deal asks for, in words a seller uses. */
const RISK_QUESTION =
  /\b(risk|risky|slip|slipping|lose|losing|lost|close|closing|worr\w*|chance|next step|stuck)\b/i;
/** What a tool's descriptor says when it scores deal risk. */
const RISK_TOOL = /\brisk\b/i;

/** Call one tool with these arguments. */
export interface ToolStep {
  kind: "call";
  /** The tool's name, as listed. */
  tool: string;
  /** The arguments, filled from the opportunity by the tool's input schema. */
  args: Record<string, unknown>;
}

/** Answer without calling a tool. */
export interface AnswerStep {
  kind: "answer";
  text: string;
}

/** The planner's decision for one turn. */
export type PlanStep = ToolStep | AnswerStep;

/**
 * The agent primitive's stand-in for a model: a scripted planner. Given a
 * seller's question, the opportunity it is about and the tools it was given
 * (MCP descriptors, as `tools/list` answers), it decides what a model would:
 * a question about a deal's risk or next step calls the first tool whose
 * name or description speaks of risk, with arguments filled from the
 * opportunity by that tool's input schema; anything else is answered in
 * words. Deterministic: the same question, deal and tools give the same plan.
 */
export function planTurn(question: string, opportunity: Opportunity, tools: readonly McpTool[]): PlanStep {
  if (!RISK_QUESTION.test(question))
    return {
      kind: "answer",
      text: `I coach on deal risk: ask me whether ${opportunity.id} is at risk, or what to do next to close it.`,
    };
  const tool = tools.find((t) => RISK_TOOL.test(`${t.name} ${t.description}`));
  if (tool === undefined)
    return {
      kind: "answer",
      text: `I have no tool that scores deal risk for this tenant (tools: ${tools.map((t) => t.name).join(", ") || "none"}); ask an admin to promote opportunity-risk.`,
    };
  return { kind: "call", tool: tool.name, args: fillArguments(tool, opportunityFacts(opportunity)) };
}

/**
 * The arguments a model would write: each property the tool's input schema
 * names, from the facts that have it. Facts the schema does not name stay
 * out, so a tool gets only what it asked for.
 */
export function fillArguments(tool: McpTool, facts: Record<string, unknown>): Record<string, unknown> {
  const properties = tool.inputSchema.properties;
  const names = typeof properties === "object" && properties !== null ? Object.keys(properties) : [];
  const args: Record<string, unknown> = {};
  for (const name of names) if (facts[name] !== undefined) args[name] = facts[name];
  return args;
}
