import type { Opportunity } from "./opportunity.js";

/** One scripted question and the opportunity it is about. */
export interface ScriptedQuestion {
  question: string;
  opportunity: Opportunity;
}

/** A renewal stuck in negotiation, discounted, with no champion and a competitor: opportunity-risk scores it high. */
export const STALLED_RENEWAL: Opportunity = {
  id: "OPP-101",
  name: "Acme, 3-year renewal",
  amount: 320_000,
  currency: "EUR",
  stage: "negotiation",
  daysInStage: 25,
  discountPct: 25,
  competitor: "Globex CRM",
};

/** A new deal a little past its proposal stage, with a champion but a competitor: it scores medium. */
export const CONTESTED_PROPOSAL: Opportunity = {
  id: "OPP-102",
  name: "Initech, service desk rollout",
  amount: 120_000,
  currency: "USD",
  stage: "proposal",
  daysInStage: 18,
  discountPct: 15,
  champion: "Dana Ito",
  competitor: "Initech's in-house tool",
};

/** The two questions `npm run start` asks, one per turn of one conversation. */
export const SAMPLE_CONVERSATION: readonly ScriptedQuestion[] = [
  { question: "Is OPP-101 at risk of slipping this quarter?", opportunity: STALLED_RENEWAL },
  { question: "What should I do next to close OPP-102?", opportunity: CONTESTED_PROPOSAL },
];
