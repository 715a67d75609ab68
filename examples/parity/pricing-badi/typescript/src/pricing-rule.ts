// The tenant's pricing rule (the BAdI implementation's logic), apart from the
// JSON plumbing in index.ts. One discount ladder on the ordered quantity, and
// the line's own negotiated discount: the line gets the better of the two,
// never both, and never more than the ceiling.

/** The discount ladder (a quantity scale): from 10 pieces 5%, from 50 pieces 10%, from 100 pieces 15%. */
const LADDER: ReadonlyArray<{ fromQty: number; pct: number }> = [
  { fromQty: 10, pct: 5 },
  { fromQty: 50, pct: 10 },
  { fromQty: 100, pct: 15 },
];

/** No line is priced with more than this discount, whatever the ladder or the line says. */
export const MAX_DISCOUNT_PCT = 25;

/** A line's net amount above this is refused: no order line is worth more, and beyond it float cents drift. */
export const MAX_LINE_AMOUNT = 1e12;

/** The ladder's discount for a quantity: the highest tier the quantity reaches, 0 below the first. */
export function tierPct(quantity: number): number {
  let pct = 0;
  for (const tier of LADDER) if (quantity >= tier.fromQty) pct = tier.pct;
  return pct;
}

/** The discount the line is priced with: the better of the tier and its own, capped at the ceiling. */
export function effectivePct(tier: number, own: number): number {
  return Math.min(Math.max(tier, own), MAX_DISCOUNT_PCT);
}

/** Rounded to cents. */
export const cents = (x: number): number => Math.round(x * 100) / 100;
