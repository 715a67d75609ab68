import { JSON } from "@ameide-ext/pdk";

// The deal-approval rule of hooks/deal-approval, run again and again until the
// invocation's fuel runs out: the cost model's calibration corpus uses it to
// measure the CPU time the rule's own code takes per unit of fuel (parsing,
// typed getters, building the output). It never returns.

const AMOUNT_LIMIT: f64 = 50000;
const MIN_MARGIN_PCT: f64 = 10;
const MAX_DISCOUNT_PCT: f64 = 20;
const MAX_CHURN_RISK: f64 = 0.5;

function rule(input: string): string {
  const parsed = JSON.tryParse(input);
  if (!parsed.ok) return parsed.error;
  const deal = parsed.value;
  const amount = deal.getNumber("amount");
  const marginPct = deal.getNumber("marginPct");
  const reasons: string[] = [];
  if (amount > AMOUNT_LIMIT) reasons.push("amount>50000");
  if (marginPct < MIN_MARGIN_PCT) reasons.push("margin<10");
  if (deal.getNumber("discountPct") > MAX_DISCOUNT_PCT) reasons.push("discount>20");
  if (deal.getNumber("churnRisk") > MAX_CHURN_RISK) reasons.push("churn>0.5");
  let route = "auto_approve";
  if (amount > AMOUNT_LIMIT && marginPct < MIN_MARGIN_PCT) route = "extra_approval";
  else if (reasons.length > 0) route = "manager_approval";
  return JSON.object().set("route", route).set("reasons", reasons).toString();
}

export function run(input: string): string {
  let length = 0;
  for (;;) length += rule(input).length;
  return length.toString();
}
