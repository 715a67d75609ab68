// Pricing BAdI (spec 479 §9 EXT-WASM-05): the tenant's pricing rule as an
// in-app extension. The Orders domain calls it at BeforeCreateOrder; it
// prices each line with the tenant's discount ladder (pricing-rule.ts) and
// answers the derived fields the domain stores with the order: `pricedLines`
// and `netTotal`. A line without a usable price refuses the order, as a
// missing mandatory price condition stops an SAP sales document.
// The same module is the L2O process's pricing Extension Task: the task maps
// the deal's quote onto this input (see examples/parity/src/l2o-pricing-task.ts).
import { fail, JSON } from "@ameide-ext/pdk";
import { cents, effectivePct, MAX_DISCOUNT_PCT, MAX_LINE_AMOUNT, tierPct } from "./pricing-rule";

function message(field: string, severity: string, code: string, text: string): JSON.Value {
  return JSON.object().set("field", field).set("severity", severity).set("code", code).set("message", text);
}

// Numbers as JavaScript prints them ("30", not AssemblyScript's "30.0").
function num(x: f64): string {
  return JSON.from<f64>(x).toString();
}

export function run(input: string): string {
  const parsed = JSON.tryParse(input);
  if (!parsed.ok || !parsed.value.isObject) {
    return fail("INVALID_ORDER", "the input must be a JSON object with the order's lines");
  }
  const messages = JSON.array();
  const priced = JSON.array();
  let errors = 0;
  let netTotal: f64 = 0;

  const lines = parsed.value.getArray("lines");
  if (lines === null || lines.length == 0) {
    messages.push(message("lines", "error", "NO_LINES", "an order needs at least one line to price"));
    errors++;
  } else {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const field = "lines[" + i.toString() + "]";
      const sku = line.getString("sku", "?");
      const price = line.get("unitPrice");
      const unitPrice = price === null ? 0 : price.asNumber(0);
      if (unitPrice < 0) {
        const text =
          sku +
          ": unit price " +
          num(unitPrice) +
          " is negative; send the list price, discounts go in discountPct";
        messages.push(message(field + ".unitPrice", "error", "PRICE_NEGATIVE", text));
        errors++;
        continue;
      }
      if (unitPrice == 0) {
        const text = sku + " has no unit price: every line needs a list price above 0 (0 counts as absent)";
        messages.push(message(field + ".unitPrice", "error", "PRICE_MISSING", text));
        errors++;
        continue;
      }
      const quantity = line.getNumber("quantity");
      if (quantity <= 0 || quantity != Math.floor(quantity)) {
        const text = sku + ": quantity must be a whole number above 0, got " + num(quantity);
        messages.push(message(field + ".quantity", "error", "QUANTITY_INVALID", text));
        errors++;
        continue;
      }
      const own = line.getNumber("discountPct");
      const tier = tierPct(quantity);
      const pct = effectivePct(tier, own);
      if (own > MAX_DISCOUNT_PCT) {
        const text =
          sku +
          ": discount " +
          num(own) +
          "% is over the " +
          num(MAX_DISCOUNT_PCT) +
          "% ceiling; priced at " +
          num(pct) +
          "%";
        messages.push(message(field + ".discountPct", "warning", "DISCOUNT_CAPPED", text));
      }
      const netPrice = cents(unitPrice * (1 - pct / 100));
      const netAmount = cents(netPrice * quantity);
      if (!(netAmount <= MAX_LINE_AMOUNT)) {
        const text = sku + ": the line's net amount is over " + num(MAX_LINE_AMOUNT) + "; split the order or check quantity and unitPrice";
        messages.push(message(field, "error", "AMOUNT_TOO_LARGE", text));
        errors++;
        continue;
      }
      netTotal += netAmount;
      priced.push(
        JSON.object()
          .set("sku", sku)
          .set("quantity", quantity)
          .set("listPrice", unitPrice)
          .set("tierPct", tier)
          .set("discountPct", pct)
          .set("netPrice", netPrice)
          .set("netAmount", netAmount),
      );
    }
  }

  const derived = JSON.object().set("pricedLines", priced).set("netTotal", cents(netTotal));
  return JSON.object()
    .set("ok", errors == 0)
    .set("validationMessages", messages)
    .set("derivedFields", derived)
    .toString();
}
