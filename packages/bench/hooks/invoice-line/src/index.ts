import { fail, JSON } from "@ameide-ext/pdk";

// The invoice-line pricing rule of the batch benchmark: one invoice line in,
// its net, tax and gross amounts out (rounded to cents), or a business error
// for a line no invoice may carry. src/invoice-line.ts in the bench package is
// the same rule in plain JavaScript, and the bench checks that both agree.

const MAX_DISCOUNT_PCT: f64 = 30;

function cents(x: f64): f64 {
  return Math.round(x * 100) / 100;
}

export function run(input: string): string {
  const parsed = JSON.tryParse(input);
  if (!parsed.ok) return fail("BAD_INPUT", parsed.error);
  const line = parsed.value;
  if (!line.isObject) return fail("BAD_INPUT", "the input must be an invoice line object");

  const qty = line.getNumber("qty");
  if (qty <= 0) return fail("BAD_QTY", "qty must be positive");
  const discountPct = line.getNumber("discountPct");
  if (discountPct > MAX_DISCOUNT_PCT) return fail("DISCOUNT_TOO_HIGH", "discountPct is over 30");
  const net = cents(qty * line.getNumber("unitPrice") * (1 - discountPct / 100));
  const tax = cents((net * line.getNumber("taxRatePct")) / 100);
  return JSON.object()
    .set("lineId", line.getString("lineId"))
    .set("net", net)
    .set("tax", tax)
    .set("gross", cents(net + tax))
    .toString();
}
