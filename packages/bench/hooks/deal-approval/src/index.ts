import { fail, JSON } from "@ameide-ext/pdk";

// The deal-approval rule of the benchmark: deals over 50,000 with a margin
// under 10% need an extra approval step; a few other signals send the deal to
// its manager. src/deal-approval.ts in the bench package is the same rule in
// plain JavaScript, and the bench checks that both give the same output.

const AMOUNT_LIMIT: f64 = 50000;
const MIN_MARGIN_PCT: f64 = 10;
const MAX_DISCOUNT_PCT: f64 = 20;
const MAX_CHURN_RISK: f64 = 0.5;

export function run(input: string): string {
  const parsed = JSON.tryParse(input);
  if (!parsed.ok) return fail("BAD_INPUT", parsed.error);
  const deal = parsed.value;
  if (!deal.isObject) return fail("BAD_INPUT", "the input must be a deal object");

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
