// Dynamics 365 Chain of Command, the code after `next insert()` (spec 479 §9
// EXT-WASM-05): the Orders domain calls it at AfterCreateOrder, once the order
// is stored, with `{ command, result }` (what was asked, what was stored). It
// cannot undo the create; it adds derived fields to the answer: a follow-up
// task for the order's owner and a risk flag, with a warning when the flag is
// high. It reads the net total a BeforeCreateOrder pricing hook stored
// (`result.derivedFields.netTotal`), or prices the lines itself without one.
import { fail, type Json } from "@ameide-ext/pdk";

/** From this net total an order is high risk. */
const LARGE_ORDER_TOTAL = 10_000;
/** From this line discount an order is high risk. */
const DEEP_DISCOUNT_PCT = 20;

type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const numberOf = (value: Json | undefined): number => (typeof value === "number" ? value : 0);
const textOf = (value: Json | undefined): string => (typeof value === "string" ? value : "");
const cents = (x: number): number => Math.round(x * 100) / 100;

interface ValidationMessage {
  field: string;
  severity: "error" | "warning";
  code: string;
  message: string;
}

/** The answer (`output_schema` in extension.json): an after hook never refuses, `ok` is always true. */
interface AfterCreate {
  ok: true;
  validationMessages: ValidationMessage[];
  derivedFields: {
    riskFlag: "high" | "normal";
    riskReasons: string[];
    followUpTask: { subject: string; owner: string; dueInDays: number };
  };
}

/** The order's net total: the pricing hook's, or the lines' own amounts less their discounts. */
function netTotalOf(lines: Json[], stored: JsonObject): number {
  const derived = isObject(stored.derivedFields) ? stored.derivedFields : {};
  if (typeof derived.netTotal === "number") return derived.netTotal;
  const gross = (l: JsonObject) =>
    numberOf(l.quantity) * numberOf(l.unitPrice) * (1 - numberOf(l.discountPct) / 100);
  return cents(lines.reduce<number>((sum, l) => sum + (isObject(l) ? gross(l) : 0), 0));
}

export function run(input: Json): AfterCreate {
  if (!isObject(input) || !isObject(input.command) || !isObject(input.result)) {
    return fail(
      "INVALID_INPUT",
      "the input must be { command, result }: the order asked for and the order stored",
    );
  }
  const { command, result } = input;
  const lines = Array.isArray(command.lines) ? command.lines : [];
  const netTotal = netTotalOf(lines, result);
  const riskReasons: string[] = [];
  if (netTotal >= LARGE_ORDER_TOTAL) riskReasons.push(`netTotal>=${LARGE_ORDER_TOTAL}`);
  if (lines.some((l) => isObject(l) && numberOf(l.discountPct) >= DEEP_DISCOUNT_PCT))
    riskReasons.push(`discountPct>=${DEEP_DISCOUNT_PCT}`);
  const high = riskReasons.length > 0;
  const orderRef = textOf(result.orderRef) || textOf(command.orderId);
  const messages: ValidationMessage[] = high
    ? [
        {
          field: "order",
          severity: "warning",
          code: "RISK_HIGH",
          message: `order ${orderRef} is high risk (${riskReasons.join(", ")}): the owner calls the customer within 1 day`,
        },
      ]
    : [];
  return {
    ok: true,
    validationMessages: messages,
    derivedFields: {
      riskFlag: high ? "high" : "normal",
      riskReasons,
      followUpTask: {
        subject: `Confirm order ${orderRef} with customer ${textOf(command.customerId) || "(none)"}`,
        owner: textOf(result.createdBy) || "unassigned",
        dueInDays: high ? 1 : 5,
      },
    },
  };
}
