import { ExtensionError } from "@ameide-ext/contract";
import { CONSUMER_REF } from "../catalog/catalog-schema.js";

const PATTERN = new RegExp(CONSUMER_REF);

/**
 * The request's `consumer_ref`, checked: empty is none (no pin applies); otherwise `process:<id>`,
 * `domain:<domain>/<point>` or `agent:<id>`, at most 256 characters, else `invalid_argument/invalid_input`.
 */
export function consumerRefOf(consumerRef: string): string | undefined {
  if (consumerRef === "") return undefined;
  if (!PATTERN.test(consumerRef))
    throw new ExtensionError(
      "invalid_argument",
      `consumer_ref ${JSON.stringify(consumerRef.slice(0, 64))}${consumerRef.length > 64 ? "…" : ""} must be process:<id>, domain:<domain>/<point> or agent:<id>, at most 256 characters, without spaces`,
      "invalid_input",
      { field: "consumer_ref" },
    );
  return consumerRef;
}
