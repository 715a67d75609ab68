import type { Json } from "@ameide-ext/pdk";

// A second TypeScript hook, for the load-time figure of the bench: a different
// bundle around the same QuickJS runtime, loaded after the deal-approval hook
// by the same engine, which then has the metered QuickJS module already.

export function run(input: Json): Json {
  return input;
}
