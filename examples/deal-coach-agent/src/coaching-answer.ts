import type { McpCallToolResult } from "@ameide-ext/sdk/agent";
import type { Opportunity } from "./opportunity.js";

/** One factor of a risk score, as opportunity-risk answers it. */
export interface RiskFactor {
  name: string;
  value: number;
  points: number;
  advice: string;
}

/** What opportunity-risk answers (its manifest's output_schema). */
export interface RiskScore {
  opportunityId: string;
  score: number;
  band: "low" | "medium" | "high";
  factors: RiskFactor[];
  recommendation: string;
}

/** A question that asks what to do rather than how things stand. */
const ASKS_FOR_ACTION = /\b(what|how)\b.*\b(do|next|should)\b/i;

/**
 * The coach's answer to a seller, written from the tool result as a model
 * sees it (an MCP `CallToolResult`: the structured output, or the error text
 * with `isError`). A question asking what to do leads with the next step;
 * any other leads with the score.
 */
export function coachingAnswer(question: string, opp: Opportunity, result: McpCallToolResult): string {
  const deal = `${opp.id} (${opp.name})`;
  if (result.isError) return refusalAnswer(deal, result);
  const risk = result.structuredContent as unknown as RiskScore;
  const why = risk.factors
    .slice()
    .sort((a, b) => b.points - a.points)
    .map((f) => `${f.name.replaceAll("_", " ")} (${f.points})`);
  const standing = `${deal} is at ${risk.band} risk, ${risk.score}/100`;
  const weighing = why.length === 0 ? "nothing weighs against it" : `what weighs most: ${why.join(", ")}`;
  if (ASKS_FOR_ACTION.test(question))
    return `Next step for ${deal}: ${risk.recommendation}. Why: it scores ${risk.score}/100 (${risk.band}); ${weighing}.`;
  return `${standing}; ${weighing}. Next step: ${risk.recommendation}.`;
}

/** The error as the tool result's text carries it: `{"error":{code,message,details?}}`. */
interface ErrorText {
  error?: {
    code?: string;
    message?: string;
    details?: { errors?: Array<{ instancePath?: string; message?: string }> };
  };
}

function refusalAnswer(deal: string, result: McpCallToolResult): string {
  const { error } = JSON.parse(result.content[0]?.text ?? "{}") as ErrorText;
  if (error?.code === "invalid_argument") {
    const first = error.details?.errors?.[0];
    const what = first ? `${first.instancePath || "(the arguments)"} ${first.message}` : error.message;
    return `I could not score ${deal}: its CRM record does not fit the risk tool's arguments (${what}). Fix the record and ask again.`;
  }
  return `I could not score ${deal}: ${error?.message ?? "the tool refused it"} (${error?.code ?? "unknown"}).`;
}
