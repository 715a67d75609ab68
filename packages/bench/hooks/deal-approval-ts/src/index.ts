import { fail, type Json } from "@ameide-ext/pdk";

// The deal-approval rule of the benchmark, in TypeScript: deals over 50,000
// with a margin under 10% need an extra approval step; a few other signals send
// the deal to its manager. The same rule as hooks/deal-approval (AssemblyScript)
// and src/deal-approval.ts (plain JavaScript); the bench checks that all three
// give the same output.

const AMOUNT_LIMIT = 50000;
const MIN_MARGIN_PCT = 10;
const MAX_DISCOUNT_PCT = 20;
const MAX_CHURN_RISK = 0.5;

const num = (v: Json | undefined): number => (typeof v === "number" ? v : 0);

export function run(input: Json) {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail("BAD_INPUT", "the input must be a deal object");
  }
  const amount = num(input.amount);
  const marginPct = num(input.marginPct);
  const reasons: string[] = [];
  if (amount > AMOUNT_LIMIT) reasons.push("amount>50000");
  if (marginPct < MIN_MARGIN_PCT) reasons.push("margin<10");
  if (num(input.discountPct) > MAX_DISCOUNT_PCT) reasons.push("discount>20");
  if (num(input.churnRisk) > MAX_CHURN_RISK) reasons.push("churn>0.5");

  let route = "auto_approve";
  if (amount > AMOUNT_LIMIT && marginPct < MIN_MARGIN_PCT) route = "extra_approval";
  else if (reasons.length > 0) route = "manager_approval";
  return { route, reasons };
}
