/**
 * The deal-approval rule of the benchmark, in plain JavaScript: the floor that
 * the sandboxed AssemblyScript hook (`hooks/deal-approval`) is compared with.
 * Both must give the same output for {@link DEAL_INPUT}.
 */

/** The benchmark's input: one deal, about 200 bytes of JSON. */
export const DEAL_INPUT =
  '{"dealId":"D-1042","tenant":"acme","amount":72000,"currency":"EUR","marginPct":8.5,' +
  '"customerTier":"gold","region":"EMEA","churnRisk":0.31,"discountPct":12,"owner":"user:42"}';

/** What the rule answers for {@link DEAL_INPUT}. */
export const DEAL_OUTPUT = '{"route":"extra_approval","reasons":["amount>50000","margin<10"]}';

/** Deals above this amount with a margin under {@link MIN_MARGIN_PCT} need an extra approval step. */
export const AMOUNT_LIMIT = 50_000;
/** The margin, in percent, under which a large deal needs an extra approval step. */
export const MIN_MARGIN_PCT = 10;
/** A discount above this, in percent, sends the deal to its manager. */
export const MAX_DISCOUNT_PCT = 20;
/** A churn risk above this sends the deal to its manager. */
export const MAX_CHURN_RISK = 0.5;

interface Deal {
  amount?: unknown;
  marginPct?: unknown;
  discountPct?: unknown;
  churnRisk?: unknown;
}

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

/**
 * The rule: JSON text in, JSON text out, as a guest sees it. Routes to
 * `extra_approval` (large deal, thin margin), `manager_approval` (any other
 * signal) or `auto_approve`, with the reasons found.
 */
export function dealApproval(input: string): string {
  const deal = JSON.parse(input) as Deal;
  const amount = num(deal.amount);
  const marginPct = num(deal.marginPct);
  const reasons: string[] = [];
  if (amount > AMOUNT_LIMIT) reasons.push("amount>50000");
  if (marginPct < MIN_MARGIN_PCT) reasons.push("margin<10");
  if (num(deal.discountPct) > MAX_DISCOUNT_PCT) reasons.push("discount>20");
  if (num(deal.churnRisk) > MAX_CHURN_RISK) reasons.push("churn>0.5");
  let route = "auto_approve";
  if (amount > AMOUNT_LIMIT && marginPct < MIN_MARGIN_PCT) route = "extra_approval";
  else if (reasons.length > 0) route = "manager_approval";
  return JSON.stringify({ route, reasons });
}
