// clock-and-random: reads the clock and draws random numbers, and sorts a few
// objects by a computed key.
// Expect: ok, the same output and fuelUsed for the same input every time: the
// clock is frozen at the epoch and Math.random is seeded from the input.
import type { Json } from "@ameide-ext/pdk";

export function run(input: Json) {
  const lines = Array.isArray(input) ? input : [];
  const keyed = lines.map((line, i) => ({ line, key: Math.random() + i }));
  keyed.sort((a, b) => a.key - b.key);
  return {
    now: Date.now(),
    date: new Date().toISOString(),
    random: [Math.random(), Math.random()],
    order: keyed.map((k) => k.line),
  };
}
