// The tenant's pricing rule (the BAdI implementation's logic), apart from the
// JSON plumbing in index.ts. One discount ladder on the ordered quantity, and
// the line's own negotiated discount: the line gets the better of the two,
// never both, and never more than the ceiling.

// The discount ladder (a scale on quantity, like an SAP condition with a
// quantity scale): from 10 pieces 5%, from 50 pieces 10%, from 100 pieces 15%.
const LADDER_FROM_QTY: f64[] = [10, 50, 100];
const LADDER_PCT: f64[] = [5, 10, 15];

/** No line is priced with more than this discount, whatever the ladder or the line says. */
export const MAX_DISCOUNT_PCT: f64 = 25;

/** A line's net amount above this is refused: no order line is worth more, and beyond it f64 cents drift. */
export const MAX_LINE_AMOUNT: f64 = 1e12;

/** The ladder's discount for a quantity: the highest tier the quantity reaches, 0 below the first. */
export function tierPct(quantity: f64): f64 {
  let pct: f64 = 0;
  for (let i = 0; i < LADDER_FROM_QTY.length; i++) {
    if (quantity >= LADDER_FROM_QTY[i]) pct = LADDER_PCT[i];
  }
  return pct;
}

/** The discount the line is priced with: the better of the tier and its own, capped at the ceiling. */
export function effectivePct(tier: f64, own: f64): f64 {
  return Math.min(Math.max(tier, own), MAX_DISCOUNT_PCT);
}

/** Rounded to cents. */
export function cents(x: f64): f64 {
  return Math.round(x * 100) / 100;
}
