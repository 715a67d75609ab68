/**
 * @ameide-ext/example-deal-coach-agent: the reference Agent primitive stub
 * (spec 479 §4.3). A scripted planner in place of a model picks the
 * opportunity-risk extension by its tool descriptor, calls it on behalf of
 * the agent, answers the seller, and audits every call as JSONL.
 */

export type { CliIo } from "./cli.js";
export { EXIT, HELP, runCli } from "./cli.js";
export type { RiskFactor, RiskScore } from "./coaching-answer.js";
export { coachingAnswer } from "./coaching-answer.js";
export type { CoachTurn, DealCoach, DealCoachOptions } from "./deal-coach.js";
export { createDealCoach } from "./deal-coach.js";
export type { Opportunity, OpportunityStage } from "./opportunity.js";
export { opportunityFacts } from "./opportunity.js";
export { OPPORTUNITY_RISK_DIR, OPPORTUNITY_RISK_ID, readToolManifest } from "./opportunity-risk-hook.js";
export type { RegistryReader, RegistryToolSource } from "./registry-tool-definition.js";
export { createRegistryReader, readRegistryToolDefinition } from "./registry-tool-definition.js";
export type { DealCoachRun, RunDealCoachOptions } from "./run-deal-coach.js";
export { describeTurn, runDealCoach } from "./run-deal-coach.js";
export type { ScriptedQuestion } from "./sample-conversation.js";
export { CONTESTED_PROPOSAL, SAMPLE_CONVERSATION, STALLED_RENEWAL } from "./sample-conversation.js";
export type { AnswerStep, PlanStep, ToolStep } from "./scripted-planner.js";
export { fillArguments, planTurn } from "./scripted-planner.js";
