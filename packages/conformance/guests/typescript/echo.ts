// echo: returns its input: the well-behaved TypeScript control guest.
// Expect: ok, the output equal to the input.
import type { Json } from "@ameide-ext/pdk";

export function run(input: Json): Json {
  return input;
}
