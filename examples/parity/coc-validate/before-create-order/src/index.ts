// Dynamics 365 `validateWrite`, Chain of Command style (spec 479 §9
// EXT-WASM-05): the tenant's validation before the Orders domain stores an
// order. The domain calls it at BeforeCreateOrder; an error refuses the create
// (`ok: false`, the domain's `next()` never runs) and the messages reach the
// user, as `validateWrite` returning false with `checkFailed` messages does.
// No derived fields: validation only.
import { fail, JSON } from "@ameide-ext/pdk";

// The currencies this tenant sells in.
const ALLOWED_CURRENCIES: string[] = ["EUR", "USD", "GBP", "CHF"];

function message(field: string, severity: string, code: string, text: string): JSON.Value {
  return JSON.object().set("field", field).set("severity", severity).set("code", code).set("message", text);
}

export function run(input: string): string {
  const parsed = JSON.tryParse(input);
  if (!parsed.ok || !parsed.value.isObject) {
    return fail("INVALID_ORDER", "the input must be a JSON object describing the order");
  }
  const order = parsed.value;
  const messages = JSON.array();
  let errors = 0;

  if (order.getString("customerId") == "") {
    messages.push(
      message(
        "customerId",
        "error",
        "CUSTOMER_MISSING",
        "an order needs a customer: set customerId to the sold-to account",
      ),
    );
    errors++;
  }
  const currency = order.getString("currency");
  if (!ALLOWED_CURRENCIES.includes(currency)) {
    const text =
      'currency "' +
      currency +
      '" is not allowed for this tenant; use one of ' +
      ALLOWED_CURRENCIES.join(", ");
    messages.push(message("currency", "error", "CURRENCY_NOT_ALLOWED", text));
    errors++;
  }
  const lines = order.getArray("lines");
  if (lines === null || lines.length == 0) {
    messages.push(message("lines", "error", "NO_LINES", "an order needs at least one line"));
    errors++;
  }

  return JSON.object()
    .set("ok", errors == 0)
    .set("validationMessages", messages)
    .set("derivedFields", JSON.object())
    .toString();
}
