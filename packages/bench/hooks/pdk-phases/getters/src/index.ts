import { JSON } from "@ameide-ext/pdk";

// PDK phase "getters": the invoice line parsed and its five fields read, "{}" returned.
export function run(input: string): string {
  const line = JSON.tryParse(input).value;
  const sum = line.getNumber("qty") + line.getNumber("unitPrice") + line.getNumber("discountPct") + line.getNumber("taxRatePct");
  return sum > 0 && line.getString("lineId").length > 0 ? "{}" : "[]";
}
