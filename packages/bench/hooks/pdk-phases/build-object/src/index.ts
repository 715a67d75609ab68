import { JSON } from "@ameide-ext/pdk";

// PDK phase "build-object": the invoice-line output's shape built with a string and three small integers (no fraction formatting).
export function run(input: string): string {
  const n = <f64>input.length;
  return JSON.object().set("lineId", "L-1").set("net", n).set("tax", n + 1).set("gross", n + 2).toString();
}
