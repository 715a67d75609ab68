import { JSON } from "@ameide-ext/pdk";

// PDK phase "parse": the invoice line parsed, nothing read, "{}" returned.
export function run(input: string): string {
  const parsed = JSON.tryParse(input);
  return parsed.ok ? "{}" : "[]";
}
