import type { Json } from "@ameide-ext/pdk";

// The deal-approval rule of hooks/deal-approval-ts, run again and again (its
// input parsed from text and its output serialised each time, as the runtime
// does once per invocation) until the invocation's fuel runs out: the cost
// model's calibration corpus uses it to measure the CPU time QuickJS takes per
// unit of fuel on the rule. It never returns.

const AMOUNT_LIMIT = 50000;
const MIN_MARGIN_PCT = 10;
const MAX_DISCOUNT_PCT = 20;
const MAX_CHURN_RISK = 0.5;

const num = (v: Json | undefined): number => (typeof v === "number" ? v : 0);

function rule(input: { [key: string]: Json }) {
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

export function run(input: Json) {
  const text = JSON.stringify(input);
  let length = 0;
  for (;;) length += JSON.stringify(rule(JSON.parse(text))).length;
  return length;
}
