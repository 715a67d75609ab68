// business-error: refuses the deal with fail(): a business error, not a technical one.
// Expect: outcome business_error, the hook's code, message and details kept.
import { fail } from "@ameide-ext/pdk";

export function run(): never {
  return fail("MARGIN_TOO_LOW", "margin 8% is under 10%", { marginPct: 8 });
}
