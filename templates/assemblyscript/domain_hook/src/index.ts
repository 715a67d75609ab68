// Order validation (spec 479 §4.2): the Orders domain calls this hook at its
// BeforeCreateOrder extension point, before an order is stored. It answers
// whether the order may be created (`ok`), what is wrong or worth a look
// (`validationMessages`), and the fields the domain stores with the order
// (`derivedFields`). A domain_hook: the primitive refuses the create when
// `ok` is false and shows the messages to the user.
import { JSON, fail } from "@ameide-ext/pdk";

const SUPPORTED_CURRENCIES: string[] = ["EUR", "USD", "GBP"];
const MAX_DISCOUNT_PCT: f64 = 25;
const REVIEW_DISCOUNT_PCT: f64 = 15;
const CREDIT_CHECK_TOTAL: f64 = 25_000;

function message(field: string, severity: string, code: string, text: string): JSON.Value {
  return JSON.object().set("field", field).set("severity", severity).set("code", code).set("message", text);
}

// Numbers as JavaScript prints them ("30", not AssemblyScript's "30.0").
function num(x: f64): string {
  return JSON.from<f64>(x).toString();
}

function cents(x: f64): f64 {
  return Math.round(x * 100) / 100;
}

export function run(input: string): string {
  const parsed = JSON.tryParse(input);
  if (!parsed.ok || !parsed.value.isObject) {
    return fail("INVALID_ORDER", "the input must be a JSON object describing the order");
  }
  const order = parsed.value;
  const messages = JSON.array();
  let errors = 0;

  const currency = order.getString("currency");
  if (!SUPPORTED_CURRENCIES.includes(currency)) {
    const text = currency == "" ? "an order needs a currency" : "currency " + currency + " is not one of EUR, USD, GBP";
    messages.push(message("currency", "error", "CURRENCY_NOT_SUPPORTED", text));
    errors++;
  }

  let subtotal: f64 = 0;
  let discountTotal: f64 = 0;
  let lineCount = 0;
  const lines = order.getArray("lines");
  if (lines === null || lines.length == 0) {
    messages.push(message("lines", "error", "NO_LINES", "an order needs at least one line"));
    errors++;
  } else {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const field = "lines[" + i.toString() + "]";
      const quantity = line.getNumber("quantity");
      const unitPrice = line.getNumber("unitPrice");
      const discountPct = line.getNumber("discountPct");
      if (quantity <= 0 || quantity != Math.floor(quantity)) {
        const text = "quantity must be a whole number above 0, got " + num(quantity);
        messages.push(message(field + ".quantity", "error", "QUANTITY_INVALID", text));
        errors++;
      }
      if (unitPrice < 0) {
        messages.push(message(field + ".unitPrice", "error", "PRICE_NEGATIVE", "unit price is negative: " + num(unitPrice)));
        errors++;
      }
      if (discountPct > MAX_DISCOUNT_PCT) {
        const text = "discount " + num(discountPct) + "% is over the " + num(MAX_DISCOUNT_PCT) + "% maximum";
        messages.push(message(field + ".discountPct", "error", "DISCOUNT_TOO_HIGH", text));
        errors++;
      } else if (discountPct > REVIEW_DISCOUNT_PCT) {
        const text = "discount " + num(discountPct) + "% is over " + num(REVIEW_DISCOUNT_PCT) + "%: a sales manager reviews it";
        messages.push(message(field + ".discountPct", "warning", "DISCOUNT_REVIEW", text));
      }
      const gross = quantity * unitPrice;
      subtotal += gross;
      discountTotal += (gross * discountPct) / 100;
      lineCount++;
    }
  }

  const netTotal = cents(subtotal - discountTotal);
  const derived = JSON.object()
    .set("lineCount", lineCount)
    .set("subtotal", cents(subtotal))
    .set("discountTotal", cents(discountTotal))
    .set("netTotal", netTotal)
    .set("requiresCreditCheck", netTotal >= CREDIT_CHECK_TOTAL);
  return JSON.object()
    .set("ok", errors == 0)
    .set("validationMessages", messages)
    .set("derivedFields", derived)
    .toString();
}
