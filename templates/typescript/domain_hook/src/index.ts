// Order validation (spec 479 §4.2): the Orders domain calls this hook at its
// BeforeCreateOrder extension point, before an order is stored. It answers
// whether the order may be created (`ok`), what is wrong or worth a look
// (`validationMessages`), and the fields the domain stores with the order
// (`derivedFields`). A domain_hook: the primitive refuses the create when
// `ok` is false and shows the messages to the user.
import { fail, type Json } from "@ameide-ext/pdk";

const SUPPORTED_CURRENCIES = ["EUR", "USD", "GBP"];
const MAX_DISCOUNT_PCT = 25;
const REVIEW_DISCOUNT_PCT = 15;
const CREDIT_CHECK_TOTAL = 25_000;

/** One thing wrong with the order (an error refuses it) or worth a look (a warning). */
interface ValidationMessage {
  field: string;
  severity: "error" | "warning";
  code: string;
  message: string;
}

/** What the domain stores with the order. */
interface DerivedFields {
  lineCount: number;
  subtotal: number;
  discountTotal: number;
  netTotal: number;
  requiresCreditCheck: boolean;
}

/** The answer (`output_schema` in extension.json). */
interface Validation {
  ok: boolean;
  validationMessages: ValidationMessage[];
  derivedFields: DerivedFields;
}

type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A number field, 0 when it is missing or not a number. */
const numberOf = (value: Json | undefined): number => (typeof value === "number" ? value : 0);

const cents = (x: number): number => Math.round(x * 100) / 100;

export function run(input: Json): Validation {
  if (!isObject(input)) {
    return fail("INVALID_ORDER", "the input must be a JSON object describing the order");
  }
  const messages: ValidationMessage[] = [];
  const error = (field: string, code: string, message: string) =>
    messages.push({ field, severity: "error", code, message });

  const currency = typeof input.currency === "string" ? input.currency : "";
  if (!SUPPORTED_CURRENCIES.includes(currency)) {
    error(
      "currency",
      "CURRENCY_NOT_SUPPORTED",
      currency === "" ? "an order needs a currency" : `currency ${currency} is not one of EUR, USD, GBP`,
    );
  }

  let subtotal = 0;
  let discountTotal = 0;
  const lines = Array.isArray(input.lines) ? input.lines : [];
  if (lines.length === 0) error("lines", "NO_LINES", "an order needs at least one line");
  lines.forEach((item, i) => {
    const line = isObject(item) ? item : {};
    const field = `lines[${i}]`;
    const quantity = numberOf(line.quantity);
    const unitPrice = numberOf(line.unitPrice);
    const discountPct = numberOf(line.discountPct);
    if (quantity <= 0 || !Number.isInteger(quantity)) {
      error(
        `${field}.quantity`,
        "QUANTITY_INVALID",
        `quantity must be a whole number above 0, got ${quantity}`,
      );
    }
    if (unitPrice < 0) {
      error(`${field}.unitPrice`, "PRICE_NEGATIVE", `unit price is negative: ${unitPrice}`);
    }
    if (discountPct > MAX_DISCOUNT_PCT) {
      error(
        `${field}.discountPct`,
        "DISCOUNT_TOO_HIGH",
        `discount ${discountPct}% is over the ${MAX_DISCOUNT_PCT}% maximum`,
      );
    } else if (discountPct > REVIEW_DISCOUNT_PCT) {
      messages.push({
        field: `${field}.discountPct`,
        severity: "warning",
        code: "DISCOUNT_REVIEW",
        message: `discount ${discountPct}% is over ${REVIEW_DISCOUNT_PCT}%: a sales manager reviews it`,
      });
    }
    const gross = quantity * unitPrice;
    subtotal += gross;
    discountTotal += (gross * discountPct) / 100;
  });

  const netTotal = cents(subtotal - discountTotal);
  return {
    ok: !messages.some((m) => m.severity === "error"),
    validationMessages: messages,
    derivedFields: {
      lineCount: lines.length,
      subtotal: cents(subtotal),
      discountTotal: cents(discountTotal),
      netTotal,
      requiresCreditCheck: netTotal >= CREDIT_CHECK_TOTAL,
    },
  };
}
