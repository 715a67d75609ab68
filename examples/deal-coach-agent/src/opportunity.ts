/** The stages of a sales opportunity, as the CRM names them. */
export type OpportunityStage =
  | "prospecting"
  | "qualification"
  | "proposal"
  | "negotiation"
  | "closed_won"
  | "closed_lost";

/** An opportunity as the CRM holds it: what the deal coach is asked about. */
export interface Opportunity {
  /** The CRM's id, e.g. "OPP-101". */
  id: string;
  /** A name a seller recognises, e.g. "Acme, 3-year renewal". */
  name: string;
  /** The deal's value, in `currency`. */
  amount: number;
  /** ISO 4217 code. */
  currency: string;
  stage: OpportunityStage;
  /** Whole days since the deal entered its stage. */
  daysInStage: number;
  /** The discount offered, in percent of list price. */
  discountPct: number;
  /** The sponsor inside the account, when one is confirmed. */
  champion?: string | undefined;
  /** The competitor in the deal, when one is known. */
  competitor?: string | undefined;
}

/**
 * The facts a tool may ask for, by the names tools' input schemas use: what
 * the planner fills arguments from. A fact the opportunity does not have is
 * absent, never guessed.
 */
export function opportunityFacts(opp: Opportunity): Record<string, unknown> {
  const facts: Record<string, unknown> = {
    opportunityId: opp.id,
    amount: opp.amount,
    currency: opp.currency,
    stage: opp.stage,
    daysInStage: opp.daysInStage,
    discountPct: opp.discountPct,
    hasChampion: opp.champion !== undefined && opp.champion !== "",
  };
  if (opp.competitor !== undefined && opp.competitor !== "") facts.competitor = opp.competitor;
  return facts;
}
