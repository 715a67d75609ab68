// Pricing BAdI (spec 479 §9 EXT-WASM-05), the TypeScript twin of
// ../assemblyscript: the tenant's pricing rule as an in-app extension. The
// Orders domain calls it at BeforeCreateOrder; it prices each line with the
// tenant's discount ladder (pricing-rule.ts) and answers the derived fields
// the domain stores with the order: `pricedLines` and `netTotal`. A line
// without a usable price refuses the order, as a missing mandatory price
// condition stops an SAP sales document.
import { fail, type Json } from "@ameide-ext/pdk";
import { cents, effectivePct, MAX_DISCOUNT_PCT, MAX_LINE_AMOUNT, tierPct } from "./pricing-rule";

/** One thing wrong with the order (an error refuses it) or worth a look (a warning). */
interface ValidationMessage {
  field: string;
  severity: "error" | "warning";
  code: string;
  message: string;
}

/** A line as priced: what the domain stores in `pricedLines`. */
interface PricedLine {
  sku: string;
  quantity: number;
  listPrice: number;
  tierPct: number;
  discountPct: number;
  netPrice: number;
  netAmount: number;
}

/** The answer (`output_schema` in extension.json). */
interface Pricing {
  ok: boolean;
  validationMessages: ValidationMessage[];
  derivedFields: { pricedLines: PricedLine[]; netTotal: number };
}

type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const numberOf = (value: Json | undefined): number => (typeof value === "number" ? value : 0);

/** Prices one line, or says why it cannot be priced (an error) and what is worth a look (a warning). */
function priceLine(line: JsonObject, field: string, messages: ValidationMessage[]): PricedLine | undefined {
  const sku = typeof line.sku === "string" ? line.sku : "?";
  const error = (at: string, code: string, message: string) =>
    messages.push({ field: `${field}.${at}`, severity: "error", code, message });
  const unitPrice = numberOf(line.unitPrice);
  if (unitPrice < 0) {
    error(
      "unitPrice",
      "PRICE_NEGATIVE",
      `${sku}: unit price ${unitPrice} is negative; send the list price, discounts go in discountPct`,
    );
    return undefined;
  }
  if (unitPrice === 0) {
    error(
      "unitPrice",
      "PRICE_MISSING",
      `${sku} has no unit price: every line needs a list price above 0 (0 counts as absent)`,
    );
    return undefined;
  }
  const quantity = numberOf(line.quantity);
  if (quantity <= 0 || !Number.isInteger(quantity)) {
    error("quantity", "QUANTITY_INVALID", `${sku}: quantity must be a whole number above 0, got ${quantity}`);
    return undefined;
  }
  const own = numberOf(line.discountPct);
  const tier = tierPct(quantity);
  const pct = effectivePct(tier, own);
  if (own > MAX_DISCOUNT_PCT) {
    messages.push({
      field: `${field}.discountPct`,
      severity: "warning",
      code: "DISCOUNT_CAPPED",
      message: `${sku}: discount ${own}% is over the ${MAX_DISCOUNT_PCT}% ceiling; priced at ${pct}%`,
    });
  }
  const netPrice = cents(unitPrice * (1 - pct / 100));
  const netAmount = cents(netPrice * quantity);
  if (!(netAmount <= MAX_LINE_AMOUNT)) {
    messages.push({
      field,
      severity: "error",
      code: "AMOUNT_TOO_LARGE",
      message: `${sku}: the line's net amount is over ${MAX_LINE_AMOUNT}; split the order or check quantity and unitPrice`,
    });
    return undefined;
  }
  return { sku, quantity, listPrice: unitPrice, tierPct: tier, discountPct: pct, netPrice, netAmount };
}

export function run(input: Json): Pricing {
  if (!isObject(input))
    return fail("INVALID_ORDER", "the input must be a JSON object with the order's lines");
  const messages: ValidationMessage[] = [];
  const lines = Array.isArray(input.lines) ? input.lines : [];
  if (lines.length === 0) {
    messages.push({
      field: "lines",
      severity: "error",
      code: "NO_LINES",
      message: "an order needs at least one line to price",
    });
  }
  const pricedLines: PricedLine[] = [];
  lines.forEach((item, i) => {
    const priced = priceLine(isObject(item) ? item : {}, `lines[${i}]`, messages);
    if (priced) pricedLines.push(priced);
  });
  const netTotal = cents(pricedLines.reduce((sum, l) => sum + l.netAmount, 0));
  return {
    ok: !messages.some((m) => m.severity === "error"),
    validationMessages: messages,
    derivedFields: { pricedLines, netTotal },
  };
}
