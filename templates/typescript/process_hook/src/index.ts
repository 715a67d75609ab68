// Deal approval (spec 479 §7.2): deals over 50k with a low margin need an
// extra approval step before they move on. A process_hook: the L2O process
// calls it from an Extension Task and routes on `route`.
import { fail, type Json, log } from "@ameide-ext/pdk";

const AMOUNT_THRESHOLD = 50_000;
const MARGIN_FLOOR_PCT = 10;

/** The deal, as the process sends it (`input_schema` in extension.json). */
interface Deal {
  dealId: string;
  amount: number;
  marginPct: number;
}

/** Where the process goes next, and why (`output_schema`). */
interface Decision {
  route: "standard" | "extra_approval";
  reasons: string[];
}

function readDeal(input: Json): Deal {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail("INVALID_DEAL", "the input must be a JSON object describing the deal");
  }
  const { dealId, amount, marginPct } = input;
  if (typeof amount !== "number" || typeof marginPct !== "number") {
    return fail("INVALID_DEAL", "a deal needs `amount` and `marginPct`");
  }
  return { dealId: typeof dealId === "string" ? dealId : "?", amount, marginPct };
}

export function run(input: Json): Decision {
  const deal = readDeal(input);

  const reasons: string[] = [];
  if (deal.amount > AMOUNT_THRESHOLD) reasons.push("amount>50000");
  if (deal.marginPct < MARGIN_FLOOR_PCT) reasons.push("margin<10");

  const extra = deal.amount > AMOUNT_THRESHOLD && deal.marginPct < MARGIN_FLOOR_PCT;
  if (extra) log.info(`deal ${deal.dealId} needs an extra approval step`);

  return { route: extra ? "extra_approval" : "standard", reasons };
}
