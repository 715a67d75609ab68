/**
 * The invoice-line pricing rule of the batch benchmark, in plain JavaScript:
 * what the sandboxed AssemblyScript hook (`hooks/invoice-line`) computes for
 * one line. The bench checks that both agree on {@link invoiceLines}.
 */

/** Discounts above this, in percent, are refused (DISCOUNT_TOO_HIGH). */
export const MAX_DISCOUNT_PCT = 30;

/** One invoice line, as the hook reads it. */
export interface InvoiceLine {
  lineId: string;
  sku: string;
  qty: number;
  unitPrice: number;
  discountPct: number;
  taxRatePct: number;
  currency: string;
}

const cents = (x: number) => Math.round(x * 100) / 100;

/** The rule: the line's net, tax and gross amounts, rounded to cents. */
export function priceLine(line: InvoiceLine): { lineId: string; net: number; tax: number; gross: number } {
  const net = cents(line.qty * line.unitPrice * (1 - line.discountPct / 100));
  const tax = cents((net * line.taxRatePct) / 100);
  return { lineId: line.lineId, net, tax, gross: cents(net + tax) };
}

/** `count` invoice lines of about 130 bytes of JSON each, every one valid: the bench's invoice. */
export function invoiceLines(count: number): InvoiceLine[] {
  return Array.from({ length: count }, (_, i) => ({
    lineId: `L-${i + 1}`,
    sku: `SKU-${4000 + (i % 97)}`,
    qty: 1 + (i % 12),
    unitPrice: 4.5 + (i % 23) * 1.25,
    discountPct: i % 4 === 0 ? 5 : 0,
    taxRatePct: i % 5 === 0 ? 9 : 21,
    currency: "EUR",
  }));
}
