import { JSON } from "@ameide-ext/pdk";

// PDK phase "build-numbers": the invoice-line output built with three amounts in cents, as the hook prints them.
export function run(input: string): string {
  const n = <f64>input.length;
  return JSON.object()
    .set("lineId", "L-1")
    .set("net", Math.round(n * 13.37) / 100)
    .set("tax", Math.round(n * 2.81) / 100)
    .set("gross", Math.round(n * 16.18) / 100)
    .toString();
}
