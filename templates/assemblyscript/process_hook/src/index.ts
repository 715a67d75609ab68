// Deal approval (spec 479 §7.2): deals over 50k with a low margin need an
// extra approval step before they move on. A process_hook: the L2O process
// calls it from an Extension Task and routes on `route`.
import { JSON, log, fail } from "@ameide-ext/pdk";

const AMOUNT_THRESHOLD: f64 = 50_000;
const MARGIN_FLOOR_PCT: f64 = 10;

export function run(input: string): string {
  const parsed = JSON.tryParse(input);
  if (!parsed.ok || !parsed.value.isObject) {
    return fail("INVALID_DEAL", "the input must be a JSON object describing the deal");
  }
  const deal = parsed.value;
  if (!deal.has("amount") || !deal.has("marginPct")) {
    return fail("INVALID_DEAL", "a deal needs `amount` and `marginPct`");
  }
  const amount = deal.getNumber("amount");
  const margin = deal.getNumber("marginPct");

  const reasons = JSON.array();
  if (amount > AMOUNT_THRESHOLD) reasons.push("amount>50000");
  if (margin < MARGIN_FLOOR_PCT) reasons.push("margin<10");

  const extra = amount > AMOUNT_THRESHOLD && margin < MARGIN_FLOOR_PCT;
  if (extra) log.info("deal " + deal.getString("dealId", "?") + " needs an extra approval step");

  return JSON.object()
    .set("route", extra ? "extra_approval" : "standard")
    .set("reasons", reasons)
    .toString();
}
