import { randomUUID } from "node:crypto";
import { agentContext } from "@ameide-ext/sdk";
import { type McpCallToolResult, type ToolResult, type Toolset, toMcpResult } from "@ameide-ext/sdk/agent";
import { coachingAnswer } from "./coaching-answer.js";
import type { Opportunity } from "./opportunity.js";
import { type PlanStep, planTurn } from "./scripted-planner.js";

/** How a deal coach is made. */
export interface DealCoachOptions {
  /** The tools the agent is given (the tenant's extension tools). */
  tools: Toolset;
  /** The tenant the agent works for. */
  tenantId: string;
  /** The agent's id, the `userId` of every call it makes. Default "deal-coach". */
  agentId?: string | undefined;
  /** The conversation's id; each turn's correlation id is `<conversationId>.turn-<n>`. Default a fresh UUID. */
  conversationId?: string | undefined;
}

/** One question answered. */
export interface CoachTurn {
  /** 1 for the conversation's first question. */
  turn: number;
  question: string;
  /** The correlation id the turn's tool calls carried. */
  correlationId: string;
  /** What the planner decided. */
  plan: PlanStep;
  /** The tool's result, when the plan called one. */
  toolResult?: ToolResult | undefined;
  /** The tool result as the model read it (MCP). */
  mcpResult?: McpCallToolResult | undefined;
  /** The coach's answer to the seller. */
  answer: string;
}

/** The deal-coach agent: one conversation with a seller. */
export interface DealCoach {
  /** The conversation's id. */
  readonly conversationId: string;
  /**
   * Answers one question about an opportunity: plans, calls the tool it
   * picked on behalf of the agent (audited by the tool), and writes the
   * answer. Throws the tool's ExtensionError on a technical error (the
   * runtime down, a limit): the agent's host handles those, not the seller.
   */
  ask(question: string, opportunity: Opportunity): Promise<CoachTurn>;
}

/** Makes a deal coach over a toolset. */
export function createDealCoach(options: DealCoachOptions): DealCoach {
  const conversationId = options.conversationId ?? randomUUID();
  const agentId = options.agentId ?? "deal-coach";
  let turns = 0;
  return {
    conversationId,
    async ask(question, opportunity) {
      const turn = ++turns;
      const correlationId = `${conversationId}.turn-${turn}`;
      const plan = planTurn(question, opportunity, options.tools.mcp);
      if (plan.kind === "answer") return { turn, question, correlationId, plan, answer: plan.text };
      const ctx = agentContext({ tenantId: options.tenantId, agentId, correlationId });
      const toolResult = await options.tools.invoke(plan.tool, plan.args, ctx, {
        toolCallId: `${correlationId}.call-1`,
      });
      const mcpResult = toMcpResult(toolResult);
      const answer = coachingAnswer(question, opportunity, mcpResult);
      return { turn, question, correlationId, plan, toolResult, mcpResult, answer };
    },
  };
}
